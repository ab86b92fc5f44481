package server

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/models"
)

// The supplier's pages and API: products, batches with their certificates,
// purchase orders, shipments and bulk CSV import. This file holds what they
// share: body limits and the mapping from contract field paths to form
// fields.

// limitBody refuses a request body over max bytes before anything reads
// it (requirePage parses forms for their CSRF token). tooBig shows the
// error on a page; nil means the API's error body.
func (s *Server) limitBody(max int64, tooBig func(c *gin.Context, err error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := capBody(c, max); err != nil {
			if tooBig == nil || currentUser(c) == nil {
				s.fail(c, err)
			} else {
				tooBig(c, err)
				c.Abort()
			}
			return
		}
		c.Next()
	}
}

// capBody returns an errTooLarge error when the request says its body is
// over max bytes, and otherwise makes reading past max fail.
func capBody(c *gin.Context, max int64) error {
	if c.Request.ContentLength > max {
		return fmt.Errorf("%w: the upload is %.1f MB; at most %d MB may be sent at once", errTooLarge, float64(c.Request.ContentLength)/(1<<20), max>>20)
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
	c.Set(ctxBodyCapped, true)
	return nil
}

// maxFormBody bounds the body of a form that uploads no file.
const maxFormBody = 1 << 20

// capForm caps the request body at maxFormBody unless a route's own limit
// (limitBody, capBody) already did, before a form is parsed for its CSRF
// token: a multipart body is otherwise read whole, into memory and
// temporary files, whatever its size.
func capForm(c *gin.Context) error {
	if c.GetBool(ctxBodyCapped) {
		return nil
	}
	return capBody(c, maxFormBody)
}

// multipartError turns a failure to read a multipart body into a 4xx.
func multipartError(err error, max int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fmt.Errorf("%w: at most %d MB may be sent at once", errTooLarge, max>>20)
	}
	return models.Invalid("", "the upload could not be read as multipart/form-data: %v", err)
}

// canWrite reports whether the user's role may submit transactions at all
// (the contract decides the rest); pages use it to hide forms and buttons.
func canWrite(u *auth.User) bool {
	return u != nil && (u.Role == models.RoleAdmin || u.Role == models.RoleOperator)
}

// orgIs reports whether the page's organization is one of kinds.
func orgIs(v *view, kinds ...models.OrgKind) bool {
	if v.Org == nil {
		return false
	}
	for _, k := range kinds {
		if v.Org.Kind == k {
			return true
		}
	}
	return false
}

// refuse shows the error page with 403 when ok is false, saying what the
// user's organization kind and role cannot do, and reports whether it did.
func (s *Server) refuse(c *gin.Context, v *view, ok bool) bool {
	if ok {
		return false
	}
	s.failPage(c, models.Forbidden("%s", v.L.T("supplier.forbidden")))
	return true
}

var listField = regexp.MustCompile(`^(lines|spec_limits)\[(\d+)\](?:\.([a-z_]+))?$`)

// formError rewrites the field of a contract error to the form field that
// holds it: "product.name" → "name" (with prefix "product."), and
// "lines[2].quantity" → rename("lines", 2, "quantity"), which gives the
// name of the form row's input.
func formError(err error, prefix string, rename func(list string, i int, sub string) string) error {
	var me *models.Error
	if !errors.As(err, &me) {
		return err
	}
	c := formField(me, prefix, rename)
	c.More = nil
	for _, m := range me.More {
		c.More = append(c.More, formField(m, prefix, rename))
	}
	return c
}

// formField is formError for one field's error.
func formField(me *models.Error, prefix string, rename func(list string, i int, sub string) string) *models.Error {
	c := *me
	c.Field = strings.TrimPrefix(c.Field, prefix)
	if m := listField.FindStringSubmatch(c.Field); m != nil && rename != nil {
		i, _ := strconv.Atoi(m[2])
		c.Field = rename(m[1], i, m[3])
		if c.Field == "" {
			// The row itself: show it above the form.
			c.Message = m[1] + "[" + m[2] + "]: " + c.Message
		}
	}
	return &c
}

// pageSize reads the ?limit= of an API list (0 means the default).
func pageSize(c *gin.Context) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		return 0, models.Invalid("limit", "%q must be a number from 1 to 500", v)
	}
	return n, nil
}

// supplierFuncs are the template helpers the supplier pages use.
func rowIndexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

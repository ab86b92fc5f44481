package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// apiError is the one error body shape of the JSON API:
// {"error":{"code":…,"message":…,"field":…,"message_code":…,"params":[…]}}.
// code is the kind (invalid, conflict, …); message_code and params name the
// message itself, the same in every language, and message is it in the
// caller's language (Accept-Language, English by default).
type apiError struct {
	Code        string   `json:"code"`
	Message     string   `json:"message"`
	Field       string   `json:"field,omitempty"`
	MessageCode string   `json:"message_code,omitempty"`
	Params      []string `json:"params,omitempty"`
	// Errors lists every invalid field's error, this one first, when the
	// check found more than one.
	Errors []apiError `json:"errors,omitempty"`
}

// errUnauthorized marks a request that did not say who is asking.
var errUnauthorized = app.ErrUnauthenticated

func unauthorized(msg string) error { return fmt.Errorf("%w: %s", errUnauthorized, msg) }

// errTooLarge marks a request body over the limit.
var errTooLarge = models.ErrTooLarge

// status maps an error to its HTTP status and machine code. It is the only
// place where errors become statuses.
func status(err error) (int, string) {
	switch {
	case errors.Is(err, models.ErrInvalid):
		return http.StatusUnprocessableEntity, "invalid"
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, models.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, models.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, auth.ErrRateLimited):
		return http.StatusTooManyRequests, "rate_limited"
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "timeout"
	case errors.Is(err, ledger.ErrUnavailable), errors.Is(err, ledger.ErrClosed):
		return http.StatusServiceUnavailable, "unavailable"
	}
	return http.StatusInternalServerError, "internal"
}

// describe returns the message and field to show for err. Internal errors
// are logged and shown without their details.
func (s *Server) describe(c *gin.Context, err error) (code int, body apiError) {
	code, kind := status(err)
	body = apiError{Code: kind, Message: err.Error()}
	var me *models.Error
	if errors.As(err, &me) {
		l := s.loc(c)
		body.Message, body.Field = s.say(l, me), me.Field
		body.MessageCode, body.Params = me.Code, me.Params
		if len(me.More) > 0 {
			for _, e := range models.Fields(me) {
				body.Errors = append(body.Errors, apiError{Code: kind, Message: s.say(l, e), Field: e.Field, MessageCode: e.Code, Params: e.Params})
			}
		}
	}
	var rl *auth.RateLimitError
	if errors.As(err, &rl) {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(rl.RetryAfter.Seconds()))))
	}
	if code == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="plumbline"`)
	}
	if code == http.StatusServiceUnavailable {
		c.Header("Retry-After", "5")
	}
	if code == http.StatusInternalServerError {
		s.opts.Logger.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
		body.Message = "internal error; the server log has details"
	}
	return code, body
}

// paramWords are the catalogue prefixes of words a message's parameter may
// be (a status, an organization kind, a role), which say translates too.
var paramWords = []string{"dash.badge.", "kind.", "role."}

// say returns a classified error's message in l's language: the
// catalogue's "err.<code>" filled with its parameters, or the English
// message when it has no code or no translation.
func (s *Server) say(l *i18n.Localizer, me *models.Error) string {
	id := "err." + me.Code
	if me.Code == "" || l.Lang() == i18n.Languages[0].Tag || !s.cat.Has(l.Lang(), id) {
		return me.Message
	}
	kv := make([]any, 0, 2*len(me.Params))
	for i, p := range me.Params {
		for _, w := range paramWords {
			if s.cat.Has(l.Lang(), w+p) {
				p = l.T(w + p)
				break
			}
		}
		kv = append(kv, "P"+strconv.Itoa(i), p)
	}
	return l.T(id, kv...)
}

// fail writes err as the API error body.
func (s *Server) fail(c *gin.Context, err error) {
	code, body := s.describe(c, err)
	c.AbortWithStatusJSON(code, gin.H{"error": body})
}

// failPage shows err on the error page with its status.
func (s *Server) failPage(c *gin.Context, err error) {
	code, body := s.describe(c, err)
	msg := body.Message
	switch code {
	case http.StatusNotFound:
		msg = s.loc(c).T("error.not_found") + " " + msg
	case http.StatusInternalServerError:
		msg = s.loc(c).T("error.internal")
	}
	s.page(c, code, "error", s.view(c, "", msg))
	c.Abort()
}

func (s *Server) notFound(c *gin.Context) {
	if isAPI(c) {
		s.fail(c, models.NotFound("", "no such endpoint: %s %s (see /api/v1/openapi.json)", c.Request.Method, c.Request.URL.Path))
		return
	}
	s.failPage(c, models.NotFound("", ""))
}

func (s *Server) noMethod(c *gin.Context) {
	c.AbortWithStatusJSON(http.StatusMethodNotAllowed, gin.H{"error": apiError{Code: "method_not_allowed", Message: c.Request.Method + " is not allowed on " + c.Request.URL.Path}})
}

func isAPI(c *gin.Context) bool {
	p := c.Request.URL.Path
	return len(p) >= 5 && p[:5] == "/api/"
}

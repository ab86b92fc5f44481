package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Commissioning a batch with its certificates takes 1 + N transactions:
// CommissionBatch, then one AttachDocument per file, which records the
// file's name, type, size, kind and visibility with its SHA-256 (a hash in
// CommissionBatch's Documents alone would leave the file without a record,
// and AttachDocument refuses a hash the batch already lists). So that
// nothing is half-written, every input is checked before the first
// transaction: the fields by the contract's own Validate, each file by the
// file store's policy (stored before any transaction; content-addressed, so
// an unused file is harmless), and each document record by Validate. The
// transactions carry idempotency keys derived from the request's, so a
// retry of the same form finishes the job without commissioning twice.

// certRows is how many certificate inputs the commission form shows.
const certRows = 3

// maxCommissionBody bounds the commission form: its files and fields.
var maxCommissionBody = certRows*files.Documents.MaxBytes + 1<<20

// upload is one certificate that comes with a batch.
type upload struct {
	Field      string // the form field, for errors
	Name       string
	Kind       models.DocumentKind
	Visibility models.Visibility
	Stored     files.Stored
}

// commissionFormData is what the commission form needs.
type commissionFormData struct {
	Products []models.Product
	Kinds    []models.DocumentKind
	CertRows []int
	Max      int64 // MB per file
}

// commission commissions the batch and attaches its certificates, all
// checked first; key ("" for none) derives every transaction's
// idempotency key.
func (s *Server) commission(ctx context.Context, u *auth.User, a contract.CommissionBatchArgs, docs []upload, key string) (models.Batch, error) {
	if err := a.Validate(); err != nil {
		return models.Batch{}, err
	}
	seen := map[string]string{}
	attach := make([]contract.AttachDocumentArgs, len(docs))
	for i, d := range docs {
		if other, dup := seen[d.Stored.SHA256]; dup {
			return models.Batch{}, models.Invalid(d.Field, "is the same file as %s; attach each file once", other)
		}
		seen[d.Stored.SHA256] = d.Field
		attach[i] = contract.AttachDocumentArgs{Batch: a.Code, Document: contract.DocumentArgs{
			SHA256: d.Stored.SHA256, Name: d.Name, MediaType: d.Stored.Type, Size: d.Stored.Size, Kind: d.Kind, Visibility: d.Visibility,
		}}
		if err := attach[i].Validate(); err != nil {
			return models.Batch{}, docFieldError(err, d.Field)
		}
	}
	if key == "" {
		key = newKey()
	}
	if _, err := s.submitFor(ctx, u, "CommissionBatch", a, key); err != nil {
		return models.Batch{}, err
	}
	for i, d := range docs {
		if _, err := s.submitFor(ctx, u, "AttachDocument", attach[i], key+"/doc/"+d.Stored.SHA256[:16]); err != nil {
			return models.Batch{}, models.Conflict(d.Field, "batch %s is commissioned, but %s could not be attached (%v); send the same form again to finish, or attach it with POST /api/v1/batches/%s/documents", a.Code, d.Name, err, a.Code)
		}
	}
	return s.opts.Store.Batch(ctx, a.Code)
}

// docFieldError puts a document record's error next to its row: the kind
// and visibility selects (kind_N, visibility_N) or the file input itself.
func docFieldError(err error, field string) error {
	var me *models.Error
	if !errors.As(err, &me) {
		return err
	}
	c := *me
	row := strings.TrimPrefix(field, "document_")
	switch c.Field {
	case "document.kind":
		c.Field = "kind_" + row
	case "document.visibility":
		c.Field = "visibility_" + row
	default:
		c.Message = strings.TrimPrefix(c.Field, "document.") + ": " + c.Message
		c.Field = field
	}
	return &c
}

// docName is the name to record for an uploaded file.
func docName(name string) string {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "." || name == "/" || name == "" {
		return "document"
	}
	if r := []rune(name); len(r) > 255 {
		name = string(r[len(r)-255:])
	}
	return name
}

func (s *Server) commissionForm(c *gin.Context) *view {
	d := commissionFormData{Kinds: models.DocumentKinds, CertRows: rowIndexes(certRows), Max: files.Documents.MaxBytes >> 20}
	v := s.view(c, "batches", nil)
	if v.User != nil {
		d.Products, _ = s.opts.Store.Products(c.Request.Context(), v.User.OrgID)
	}
	v.Data = d
	if id := strings.TrimSpace(c.PostForm("idempotency_key")); id != "" {
		v.Idem = id // a retry keeps its key, so a half-done commission finishes
	}
	return v
}

// newBatch shows the commission form.
func (s *Server) newBatch(c *gin.Context) {
	v := s.commissionForm(c)
	if s.refuse(c, v, may(v.User, v.Org, "CommissionBatch")) {
		return
	}
	v.Form.Set("produced_on", s.opts.Now().Format("2006-01-02"))
	s.page(c, http.StatusOK, "supplier_batch_new", v)
}

// commissionTooBig shows the commission form with a body-size error next
// to the certificates.
func (s *Server) commissionTooBig(c *gin.Context, err error) {
	v := s.commissionForm(c)
	code, body := s.describe(c, err)
	v.Errors = map[string]string{"documents": body.Message}
	s.page(c, code, "supplier_batch_new", v)
}

// createBatch commissions a batch from the multipart form, with up to
// certRows certificates, and opens the batch's page.
func (s *Server) createBatch(c *gin.Context) {
	v := s.commissionForm(c)
	b, err := s.commissionFromForm(c)
	if err != nil {
		s.formFail(c, "supplier_batch_new", v, err)
		return
	}
	s.flash(c, v.L.T("supplier.batch_commissioned", "Code", b.Code))
	c.Redirect(http.StatusSeeOther, batchURL(b.Code))
}

func (s *Server) commissionFromForm(c *gin.Context) (models.Batch, error) {
	if _, err := c.MultipartForm(); err != nil && err != http.ErrNotMultipart {
		return models.Batch{}, multipartError(err, maxCommissionBody)
	}
	a := contract.CommissionBatchArgs{
		Code: strings.TrimSpace(c.PostForm("code")), ProductID: c.PostForm("product_id"),
		ProducedOn: strings.TrimSpace(c.PostForm("produced_on")), Origin: strings.TrimSpace(c.PostForm("origin")),
		HeatNumber: strings.TrimSpace(c.PostForm("heat_number")), LotNumber: strings.TrimSpace(c.PostForm("lot_number")),
	}
	var err error
	if a.Quantity, err = decimalField("quantity", c.PostForm("quantity")); err != nil {
		return models.Batch{}, err
	}
	if err := a.Validate(); err != nil { // before any file is stored
		return models.Batch{}, err
	}
	var docs []upload
	for i := range certRows {
		field := fmt.Sprintf("document_%d", i)
		fh, err := c.FormFile(field)
		if err != nil {
			continue // no file in this row
		}
		d := upload{Field: field, Name: docName(fh.Filename),
			Kind: models.DocumentKind(c.PostForm(fmt.Sprintf("kind_%d", i))), Visibility: models.Visibility(c.PostForm(fmt.Sprintf("visibility_%d", i)))}
		f, err := fh.Open()
		if err != nil {
			return models.Batch{}, models.Invalid(field, "the file could not be read: %v", err)
		}
		d.Stored, err = s.opts.Files.Put(field, f, files.Documents)
		f.Close()
		if err != nil {
			return models.Batch{}, err
		}
		docs = append(docs, d)
	}
	key, err := requestKey(c)
	if err != nil {
		return models.Batch{}, err
	}
	return s.commission(c.Request.Context(), currentUser(c), a, docs, key)
}

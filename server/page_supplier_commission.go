package server

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
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

// commissionFormData is what the commission form needs.
type commissionFormData struct {
	Products []models.Product
	Kinds    []models.DocumentKind
	CertRows []int
	Max      int64 // MB per file
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
		ConfirmOldDate: c.PostForm("confirm_old_date") != "",
	}
	q, qerr := models.DecimalField("quantity", c.PostForm("quantity"))
	a.Quantity = q
	if err := models.All(qerr, a.Validate()); err != nil { // every field at once, before any file is stored
		return models.Batch{}, err
	}
	var docs []app.Upload
	for i := range certRows {
		field := fmt.Sprintf("document_%d", i)
		fh, err := c.FormFile(field)
		if err != nil {
			continue // no file in this row
		}
		d := app.Upload{Field: field, Name: docName(fh.Filename),
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
	act, err := s.actor(c)
	if err != nil {
		return models.Batch{}, err
	}
	return s.app.Commission(c.Request.Context(), act, a, docs)
}

package server

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/importcsv"
	"github.com/plumbline/plumbline/models"
)

// maxImportBody bounds an import request: the file and a few fields.
const maxImportBody = maxImportBytes + 64<<10

// importPageData is what the import page shows.
type importPageData struct {
	Kinds   []string
	Columns map[string]importcsv.Columns
	Rows    []rowError // the file's errors, when it failed the check
	Total   int
	MaxMB   int
	MaxRows int
}

// Required and Optional list a kind's columns for the page.
func (d importPageData) Required(kind string) string {
	return strings.Join(d.Columns[kind].Required, ", ")
}

// Optional lists a kind's optional columns.
func (d importPageData) Optional(kind string) string {
	return strings.Join(d.Columns[kind].Optional, ", ")
}

// importTx is the transaction each row of an import kind becomes.
var importTx = map[string]string{importBatches: "CommissionBatch", importShipments: "DispatchShipment"}

// pageView builds the import page, offering the kinds whose transaction
// the contract lets the user submit (none: the page is refused).
func (im *importer) pageView(c *gin.Context) *view {
	v := im.s.view(c, "import", nil)
	d := importPageData{Columns: importcsv.Kinds, MaxMB: maxImportBytes >> 20, MaxRows: maxImportRows}
	for _, k := range []string{importBatches, importShipments} {
		if may(v.User, v.Org, importTx[k]) {
			d.Kinds = append(d.Kinds, k)
		}
	}
	v.Data = d
	return v
}

// mayImport reports whether the page offers any kind of import.
func mayImport(v *view) bool { return len(v.Data.(importPageData).Kinds) > 0 }

// page shows the upload form.
func (im *importer) page(c *gin.Context) {
	v := im.pageView(c)
	if im.s.refuse(c, v, mayImport(v)) {
		return
	}
	v.Form.Set("kind", c.DefaultQuery("kind", v.Data.(importPageData).Kinds[0]))
	im.s.page(c, http.StatusOK, "supplier_import", v)
}

// tooBig shows the upload form with the size error next to the file.
func (im *importer) tooBig(c *gin.Context, err error) {
	v := im.pageView(c)
	code, body := im.s.describe(c, err)
	v.Errors = map[string]string{"file": body.Message}
	im.s.page(c, code, "supplier_import", v)
}

// upload checks the file and starts the import, or shows every row's errors.
func (im *importer) upload(c *gin.Context) {
	v := im.pageView(c)
	if im.s.refuse(c, v, mayImport(v)) {
		return
	}
	if _, err := c.MultipartForm(); err != nil {
		im.s.formFail(c, "supplier_import", v, multipartError(err, maxImportBody))
		return
	}
	kind := c.PostForm("kind")
	fh, err := c.FormFile("file")
	if err != nil {
		im.s.formFail(c, "supplier_import", v, models.Invalid("file", "choose a CSV file"))
		return
	}
	f, err := fh.Open()
	if err != nil {
		im.s.formFail(c, "supplier_import", v, models.Invalid("file", "the file could not be read: %v", err))
		return
	}
	defer f.Close()
	j, err := im.begin(c, kind, f)
	var re *importcsv.RowsError
	switch {
	case errors.As(err, &re):
		d := v.Data.(importPageData)
		d.Rows, d.Total = im.s.rowErrors(v.L, re.Rows), re.Total
		v.Data = d
		im.s.formFail(c, "supplier_import", v, models.Invalid("file", "%s", v.L.T("supplier.import_rejected", "N", re.Total)))
	case err != nil:
		im.s.formFail(c, "supplier_import", v, err)
	default:
		im.s.flash(c, v.L.T("supplier.import_started", "N", j.Total))
		c.Redirect(http.StatusSeeOther, "/import/"+j.ID)
	}
}

// begin checks the file and starts its job.
func (im *importer) begin(c *gin.Context, kind string, r io.Reader) (importJob, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return importJob{}, multipartError(err, maxImportBody)
	}
	j, err := im.s.app.StartImport(c.Request.Context(), app.Actor{User: currentUser(c)}, kind, data, im.s.importHeaders)
	if err != nil {
		return importJob{}, err
	}
	return im.s.importView(im.s.loc(c), j), nil
}

// status shows a job's progress; supplier.js refreshes it from the API.
func (im *importer) status(c *gin.Context) {
	v := im.s.view(c, "import", nil)
	j, err := im.jobFor(c, c.Param("id"))
	if err != nil {
		im.s.failPage(c, err)
		return
	}
	v.Data = j
	im.s.page(c, http.StatusOK, "supplier_import_job", v)
}

// template serves an example file of a kind.
func (im *importer) template(c *gin.Context) {
	kind := strings.TrimSuffix(c.Param("file"), ".csv")
	t, ok := importcsv.Templates[kind]
	if !ok || !strings.HasSuffix(c.Param("file"), ".csv") {
		im.s.failPage(c, models.NotFound("", "there are templates for batches.csv and shipments.csv"))
		return
	}
	c.Header("Content-Disposition", `attachment; filename="plumbline-`+kind+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", []byte("\xef\xbb\xbf"+t))
}

// importUpload documents the multipart form of an import.
type importUpload struct {
	File []byte `json:"file"`           // the CSV file
	Kind string `json:"kind,omitempty"` // batches or shipments, if not in the query
}

// importErrorBody is the API's answer to a file that failed the check: the
// usual error, and every row's errors.
type importErrorBody struct {
	Error apiError   `json:"error"`
	Rows  []rowError `json:"rows"`
}

// apiUpload starts an import from a multipart upload (field file) or a
// text/csv body, with ?kind=batches|shipments.
func (im *importer) apiUpload(c *gin.Context) {
	if err := capBody(c, maxImportBody); err != nil {
		im.s.fail(c, err)
		return
	}
	if !canWrite(currentUser(c)) {
		im.s.fail(c, models.Forbidden("the %s role may not import", currentUser(c).Role))
		return
	}
	kind := c.Query("kind")
	var body io.Reader = c.Request.Body
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		fh, err := c.FormFile("file")
		if err != nil {
			im.s.fail(c, models.Invalid("file", "send the CSV in the multipart field \"file\""))
			return
		}
		f, err := fh.Open()
		if err != nil {
			im.s.fail(c, models.Invalid("file", "the file could not be read: %v", err))
			return
		}
		defer f.Close()
		body = f
		if kind == "" {
			kind = c.PostForm("kind")
		}
	}
	j, err := im.begin(c, kind, body)
	var re *importcsv.RowsError
	if errors.As(err, &re) {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, importErrorBody{
			Error: apiError{Code: "invalid", Field: "file", Message: re.Error()}, Rows: im.s.rowErrors(im.s.loc(c), re.Rows)})
		return
	}
	if err != nil {
		im.s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/imports/"+j.ID)
	c.JSON(http.StatusAccepted, j)
}

// apiStatus returns a job's progress.
func (im *importer) apiStatus(c *gin.Context) {
	j, err := im.jobFor(c, c.Param("id"))
	if err != nil {
		im.s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, j)
}

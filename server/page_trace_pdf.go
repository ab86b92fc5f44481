package server

import (
	"bytes"
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/report"
	"github.com/plumbline/plumbline/models"
)

// tracePDF serves GET /trace.pdf?batch=&direction=&depth=: the trace
// report to print or file — cover with the ledger's evidence, timeline,
// graph, inspections and documents — in the reader's language. Private
// details appear only for batches the reader's organization is involved
// with, as on the pages.
func (t *traceArea) tracePDF(c *gin.Context) {
	q, err := parseTraceQuery(c, c.Query("batch"))
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	r, err := t.pdfReport(c.Request.Context(), q, t.s.viewerOrg(c))
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	var buf bytes.Buffer
	if err := report.WritePDF(&buf, r, t.s.loc(c)); err != nil {
		t.s.failPage(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("Content-Disposition", `inline; filename="trace-`+safeName(q.Batch)+`.pdf"`)
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
}

// pdfReport gathers what the PDF of trace q shows a reader of
// organization o (app.TracePDF).
func (t *traceArea) pdfReport(ctx context.Context, q traceQuery, o *models.Organization) (report.PDFReport, error) {
	return t.s.app.TracePDF(ctx, q, t.s.checkerFor(o, ""), t.s.opts.LabelFont)
}

package server

import (
	"bytes"
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/report"
	"github.com/plumbline/plumbline/models"
)

// pdfBatches is how many batches of a trace the PDF lists inspections and
// documents of, nearest to the traced batch first.
const pdfBatches = 60

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
// organization o.
func (t *traceArea) pdfReport(ctx context.Context, q traceQuery, o *models.Organization) (report.PDFReport, error) {
	var r report.PDFReport
	chk := t.s.checkerFor(o, "")
	tr, err := t.s.app.RunTrace(ctx, q, chk)
	if err != nil {
		return r, err
	}
	n, err := t.s.app.Names(ctx)
	if err != nil {
		return r, err
	}
	d, err := t.s.app.Trace(ctx, q.Batch)
	if err != nil {
		return r, models.Prefix("batch", err)
	}
	r = report.PDFReport{Batch: d.Batch, Product: d.Product.Name, Standard: d.Product.Standard, Names: n,
		Graph: traceGraph(tr, n), More: d.More, Generated: t.s.opts.Now(), Font: t.s.opts.LabelFont,
		URL: strings.TrimSuffix(t.s.opts.BaseURL, "/") + "/trace?" + traceValues(q).Encode()}
	involved, err := chk.Involved(ctx, &d.Batch)
	if err != nil {
		return r, err
	}
	if !involved {
		r.Batch = access.PublicBatch(d.Batch, d.Documents)
	}
	for _, e := range d.Timeline {
		r.Timeline = append(r.Timeline, report.TimelineEntry{Seq: e.Seq, TxID: e.TxID, Block: e.Block, Type: e.Type, Org: n.Org(e.Org), Time: e.Time})
	}
	if len(d.Timeline) > 0 {
		ev, err := t.ev.evidence(ctx, d.Timeline[0].Seq)
		if err != nil {
			return r, err
		}
		r.Evidence = report.Evidence{Kind: ev.Kind, Seq: ev.Seq, TxID: ev.TxID, LeafHash: ev.LeafHash, Block: ev.Block,
			Size: ev.Checkpoint.Size, Root: ev.Checkpoint.Root, At: ev.Checkpoint.Time}
	}
	// Inspections and documents of the traced batches, nearest first.
	var batches []report.Node
	for _, nd := range r.Graph.Nodes {
		if nd.Kind == report.KindBatch {
			batches = append(batches, nd)
		}
	}
	slices.SortStableFunc(batches, func(a, b report.Node) int { return cmp.Compare(layerDistance(a.Layer), layerDistance(b.Layer)) })
	if len(batches) > pdfBatches {
		r.Omitted, batches = len(batches)-pdfBatches, batches[:pdfBatches]
	}
	for _, nd := range batches {
		bd, err := t.s.app.Trace(ctx, nd.Code)
		if err != nil {
			return r, err
		}
		involved, err := chk.Involved(ctx, &bd.Batch)
		if err != nil {
			return r, err
		}
		for _, in := range bd.Inspections {
			in = access.Inspection(in, involved)
			r.Inspections = append(r.Inspections, report.ReportInspection{Inspection: in, Agency: n.Org(in.Agency)})
		}
		for _, doc := range bd.Documents {
			if access.Document(doc, involved) {
				r.Documents = append(r.Documents, report.ReportDocument{Document: doc})
			}
		}
	}
	return r, nil
}

// layerDistance is how many steps a graph layer is from the root.
func layerDistance(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

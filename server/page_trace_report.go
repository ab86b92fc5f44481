package server

import (
	"context"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/internal/report"
	"github.com/plumbline/plumbline/internal/store"
)

// traceQuery and traceResponse are the use cases'.
type (
	traceQuery    = app.TraceQuery
	traceResponse = app.TraceResponse
)

// parseTraceQuery reads ?direction=&depth= for batch code.
func parseTraceQuery(c *gin.Context, code string) (traceQuery, error) {
	return app.NewTraceQuery(code, c.Query("direction"), c.Query("depth"))
}

// apiTrace serves GET /api/v1/batches/{code}/trace.
func (t *traceArea) apiTrace(c *gin.Context) {
	q, err := parseTraceQuery(c, c.Param("code"))
	if err != nil {
		t.s.fail(c, err)
		return
	}
	r, err := t.s.app.RunTrace(c.Request.Context(), q, t.s.viewerChecker(c))
	if err != nil {
		t.s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// tracePage is what templates/trace_report.html gets.
type tracePage struct {
	Query    traceQuery
	Backward []report.TreeRow
	Forward  []report.TreeRow
	// BackTree and FwdTree are the same rows nested, for the collapsible
	// tree.
	BackTree, FwdTree *report.TreeBranch
	// Graph is the trace drawn as SVG; Nodes and Usages count its boxes
	// and the usages behind them.
	Graph         template.HTML
	Nodes, Usages int
	// Truncated is set when a trace stopped at its depth.
	Truncated bool
	CSV       string // the CSV download's URL
	SVG       string // the graph's own URL
	PDF       string // the PDF report's URL
}

// traceReport serves GET /trace: the form and, with ?batch=, the report.
func (t *traceArea) traceReport(c *gin.Context) {
	p := &tracePage{Query: traceQuery{Direction: c.DefaultQuery("direction", "both"), Batch: c.Query("batch")}}
	v := t.s.view(c, "trace", p)
	if _, asked := c.GetQuery("batch"); !asked {
		t.s.page(c, http.StatusOK, "trace_report", v)
		return
	}
	q, err := parseTraceQuery(c, c.Query("batch"))
	if err == nil {
		p.Query = q
		err = t.fillReport(c.Request.Context(), p, t.s.viewerChecker(c), t.s.loc(c))
	}
	if err != nil {
		code, body := t.s.describe(c, err)
		v.Errors = map[string]string{body.Field: body.Message}
		v.Form = c.Request.URL.Query()
		t.s.page(c, code, "trace_report", v)
		return
	}
	t.s.page(c, http.StatusOK, "trace_report", v)
}

func (t *traceArea) fillReport(ctx context.Context, p *tracePage, chk *access.Checker, loc *i18n.Localizer) error {
	r, err := t.s.app.RunTrace(ctx, p.Query, chk)
	if err != nil {
		return err
	}
	names, err := t.s.app.NamesIn(ctx, loc.Lang())
	if err != nil {
		return err
	}
	if r.Backward != nil {
		p.Backward = report.TreeRows(r.Backward, false, names)
		p.BackTree = report.Branches(p.Backward)
		p.Truncated = p.Truncated || r.Backward.Truncated
	}
	if r.Forward != nil {
		p.Forward = report.TreeRows(r.Forward, true, names)
		p.FwdTree = report.Branches(p.Forward)
		p.Truncated = p.Truncated || r.Forward.Truncated
	}
	g := traceGraph(r, names)
	svg, err := graphSVG(g, loc, "")
	if err != nil {
		return err
	}
	p.Graph, p.Nodes, p.Usages = inlineSVG(svg), len(g.Nodes), g.Usages
	u := traceValues(p.Query).Encode()
	p.CSV, p.SVG, p.PDF = "/trace.csv?"+u, "/trace.svg?"+u, "/trace.pdf?"+u
	return nil
}

// requestedTrace reads the trace a request asks for
// (?batch=&direction=&depth=) as the viewer's organization may see it,
// with the names to show; when it cannot, it has answered the request and
// ok is false.
func (t *traceArea) requestedTrace(c *gin.Context) (q traceQuery, r traceResponse, n names, ok bool) {
	q, err := parseTraceQuery(c, c.Query("batch"))
	if err == nil {
		r, err = t.s.app.RunTrace(c.Request.Context(), q, t.s.viewerChecker(c))
	}
	if err == nil {
		n, err = t.s.app.NamesIn(c.Request.Context(), lang(c))
	}
	if err != nil {
		t.s.failPage(c, err)
		return q, r, n, false
	}
	return q, r, n, true
}

// traceCSV serves GET /trace.csv?batch=&direction=&depth=: the report as
// CSV, one row per batch reached and per usage location.
func (t *traceArea) traceCSV(c *gin.Context) {
	q, r, names, ok := t.requestedTrace(c)
	if !ok {
		return
	}
	var rows [][]string
	head := []string{"direction", "level", "batch", "via", "product", "producer", "custodian", "status",
		"quantity", "unit", "lineage", "heat_number", "lot_number", "produced_on", "project", "building", "floor", "element", "used_at",
		"shown_above", "usage_id", "tx_id"}
	for _, part := range []struct {
		dir string
		tr  *store.Trace
	}{{"backward", r.Backward}, {"forward", r.Forward}} {
		if part.tr == nil {
			continue
		}
		for _, row := range report.TreeRows(part.tr, part.dir == "forward", names) {
			cells := row.CSV(part.dir)
			for i := range cells {
				cells[i] = csvText(cells[i])
			}
			rows = append(rows, cells)
		}
	}
	t.s.writePageCSV(c, "trace-"+safeName(q.Batch)+".csv", head, rows)
}

// csvText keeps a cell from being read as a formula by a spreadsheet: text
// other organizations typed (a location, a product name) that starts with
// '=', '+', '-', '@', a tab or a carriage return gets a leading quote.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// safeName keeps letters, digits, '.', '_' and '-' of s for a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

package server

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/internal/report"
)

// The trace graph: the trace report drawn as a layered SVG graph, inline on
// /trace (with pan and zoom from graph.js) and alone at /trace.svg.

// traceGraph builds the graph of a trace the viewer ran.
func traceGraph(r traceResponse, n names) *report.Graph {
	return report.New(r.Backward, r.Forward, n)
}

// usageAnchor is the fragment of one batch's usages in one building.
var usageAnchor = report.UsageAnchor

// graphSVG draws g for a reader of language loc; base is prepended to the
// usage groups' fragments ("" inside the report page itself).
func graphSVG(g *report.Graph, loc *i18n.Localizer, base string) ([]byte, error) {
	var buf bytes.Buffer
	err := report.SVG(&buf, report.Place(g), loc, report.SVGOptions{
		Title: loc.T("reports.graph.title", "Batch", g.Root),
		Href: func(n report.Node) string {
			if n.Kind == report.KindUsage {
				return base + "#" + report.UsageAnchor(n.Code, n.Project, n.Building)
			}
			return "/b/" + url.PathEscape(n.Code)
		},
	})
	return buf.Bytes(), err
}

// traceSVG serves GET /trace.svg?batch=&direction=&depth=: the trace graph
// alone, as an SVG document (no script inside, every text escaped).
func (t *traceArea) traceSVG(c *gin.Context) {
	q, r, n, ok := t.requestedTrace(c)
	if !ok {
		return
	}
	svg, err := graphSVG(traceGraph(r, n), t.s.loc(c), "/trace?"+traceValues(q).Encode())
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("Content-Disposition", `inline; filename="trace-`+safeName(q.Batch)+`.svg"`)
	c.Data(http.StatusOK, "image/svg+xml; charset=utf-8", svg)
}

// traceValues are the trace query's URL parameters.
func traceValues(q traceQuery) url.Values { return q.Values() }

// inlineSVG marks the server's own SVG, in which every text is escaped
// (report.SVG), as safe to put into a page.
func inlineSVG(svg []byte) template.HTML { return template.HTML(svg) } //nolint:gosec // escaped by report.SVG

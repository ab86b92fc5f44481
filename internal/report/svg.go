package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// Translator gives the message id in the reader's language, filled from
// key/value pairs (i18n.Localizer.T).
type Translator interface {
	T(id string, kv ...any) string
}

// SVGOptions says how a graph is drawn.
type SVGOptions struct {
	// Href links a node to a page ("" for no link): the batch page for a
	// batch, the usage list for a usage group.
	Href func(n Node) string
	// Title is the drawing's accessible name.
	Title string
}

// StatusColour is the fill and stroke of a batch's box by its status.
func StatusColour(s models.BatchStatus) (fill, stroke string) {
	switch s {
	case models.StatusAvailable:
		return "#e8f5e9", "#2e7d32"
	case models.StatusInTransit:
		return "#e3f2fd", "#1565c0"
	case models.StatusOnHold:
		return "#fff8e1", "#b26a00"
	case models.StatusRejected:
		return "#fbe9e7", "#8d3a2a"
	case models.StatusRecalled:
		return "#ffebee", "#c62828"
	case models.StatusDepleted:
		return "#f1f3f5", "#6c757d"
	}
	return "#ffffff", "#495057"
}

// Usage group colours.
const usageFill, usageStroke = "#ede7f6", "#5e35b1"

// maxLabel is how many characters of a name fit on a line of a box.
const maxLabel = 28

// SVG writes the placed graph as a standalone SVG document: boxes and
// arrows with presentation attributes only (no style element, no script,
// no external reference), every text escaped, each box with a <title>
// holding its whole text. Batch boxes carry data-code, usage groups
// data-count; the drawing can be embedded in a page as it is.
func SVG(w io.Writer, l *Layout, tr Translator, opt SVGOptions) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	// A drawing whose boxes are links is a group of links, not an image:
	// an image's content is hidden from assistive technology, links included.
	role := "img"
	if opt.Href != nil {
		role = "group"
	}
	p(`<svg xmlns="http://www.w3.org/2000/svg" class="trace-graph" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="%s" aria-labelledby="trace-graph-title" data-nodes="%d" data-edges="%d">`,
		l.Width, l.Height, l.Width, l.Height, role, len(l.Boxes), len(l.Graph.Edges))
	p(`<title id="trace-graph-title">%s</title>`, esc(opt.Title))
	p(`<defs><marker id="trace-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#6c757d"/></marker></defs>`)
	p(`<g class="edges" fill="none" stroke="#6c757d" stroke-width="1.5">`)
	for _, e := range l.Graph.Edges {
		from, ok1 := l.Box(e.From)
		to, ok2 := l.Box(e.To)
		if !ok1 || !ok2 {
			continue
		}
		x1, y1 := from.X+NodeW, from.Y+NodeH/2
		x2, y2 := to.X, to.Y+NodeH/2
		if to.X < from.X+NodeW { // a diamond reaching back: leave and enter from below
			x1, y1, x2, y2 = from.X+NodeW/2, from.Y+NodeH, to.X+NodeW/2, to.Y+NodeH
		}
		mx := (x1 + x2) / 2
		label := edgeLabel(e, tr)
		p(`<g class="edge" data-from="%s" data-to="%s"><title>%s</title><path d="M%.1f,%.1fC%.1f,%.1f %.1f,%.1f %.1f,%.1f" marker-end="url(#trace-arrow)"/>`,
			esc(e.From), esc(e.To), esc(label), x1, y1, mx, y1, mx, y2, x2, y2)
		p(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="#495057" stroke="none">%s</text></g>`,
			mx, (y1+y2)/2-3, esc(cut(label, 18)))
	}
	p(`</g><g class="nodes" font-family="system-ui, sans-serif">`)
	for _, b := range l.Boxes {
		lines, fill, stroke := boxText(b.Node, tr)
		href := ""
		if opt.Href != nil {
			href = opt.Href(b.Node)
		}
		if href != "" {
			p(`<a href="%s">`, esc(href))
		}
		sw := "1.5"
		if b.Root {
			sw = "3"
		}
		p(`<g class="node node-%s" data-id="%s" data-code="%s"`, b.Kind, esc(b.ID), esc(b.Code))
		if b.Kind == KindUsage {
			p(` data-count="%d"`, b.Count)
		} else {
			p(` data-status="%s"`, esc(string(b.Status)))
		}
		p(` transform="translate(%.1f,%.1f)"><title>%s</title>`, b.X, b.Y, esc(strings.Join(lines, "\n")))
		p(`<rect width="%.0f" height="%.0f" rx="6" fill="%s" stroke="%s" stroke-width="%s"/>`, NodeW, NodeH, fill, stroke, sw)
		for i, line := range lines[:min(3, len(lines))] {
			weight, size := "normal", 11
			if i == 0 {
				weight, size = "bold", 12
			}
			p(`<text x="8" y="%d" font-size="%d" font-weight="%s" fill="#212529">%s</text>`, 17+i*16, size, weight, esc(cut(line, maxLabel)))
		}
		p(`</g>`)
		if href != "" {
			p(`</a>`)
		}
	}
	p(`</g></svg>`)
	return bw.Flush()
}

// boxText is what a box says, line by line (the first three are drawn,
// all go into its title), and its colours.
func boxText(n Node, tr Translator) (lines []string, fill, stroke string) {
	if n.Kind == KindUsage {
		place := n.Building
		if n.Project != "" {
			place = n.Project + " / " + n.Building
		}
		lines = []string{place, tr.T("reports.graph.usages", "N", n.Count, "Quantity", n.Quantity.String()+" "+n.Unit)}
		if len(n.Floors) > 0 {
			lines = append(lines, tr.T("reports.graph.floors", "Floors", strings.Join(n.Floors, ", ")))
		}
		if len(n.Elements) > 0 {
			lines = append(lines, strings.Join(n.Elements, ", "))
		}
		return lines, usageFill, usageStroke
	}
	fill, stroke = StatusColour(n.Status)
	lines = []string{n.Code, n.Product, tr.T("trace.batch_status."+string(n.Status)) + " · " + n.Quantity.String() + " " + n.Unit}
	if n.Producer != "" {
		lines = append(lines, n.Producer)
	}
	if n.HeatNumber != "" {
		lines = append(lines, tr.T("trace.heat")+" "+n.HeatNumber)
	}
	return lines, fill, stroke
}

// edgeLabel is an arrow's text: the quantity and how it went.
func edgeLabel(e Edge, tr Translator) string {
	s := e.Quantity.String() + " " + e.Unit
	if e.Kind != "" {
		s += " · " + tr.T("trace.lineage."+string(e.Kind))
	} else {
		s += " · " + tr.T("trace.report.used")
	}
	return s
}

// esc escapes text for XML character data and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// cut shortens s to n characters, ending in "…" when cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Package chart draws the dashboards' charts as self-contained SVG on the
// server: bar, stacked bar and line charts with nice axis ticks, category
// labels, a legend, a <title> tooltip on every mark, a colour-blind safe
// palette (Okabe and Ito) and role="img" with an aria-label. The SVG has a
// viewBox and no fixed size, so CSS scales it to its container; it uses
// presentation attributes only (no style attribute, no script), so it
// passes the app's Content-Security-Policy when inlined in a page.
//
// The package knows nothing of Plumbline's data: callers pass categories
// and series of numbers and get bytes back.
package chart

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind is the shape of a chart.
type Kind int

// The chart kinds.
const (
	// Bar draws each series as its own bar in every category (grouped).
	Bar Kind = iota
	// Stacked draws the series of a category on top of each other;
	// negative values stack downward from zero.
	Stacked
	// Line draws each series as a line through one point per category.
	Line
	// HBar draws each series as its own horizontal bar in every category
	// (grouped), one row per category with its whole name, wrapped, on
	// the left: for categories with long names (suppliers, products).
	HBar
)

// Series is one named row of values, one per category. NaN marks a
// missing value (no bar, a gap in a line).
type Series struct {
	Name   string
	Values []float64
}

// Chart is what to draw.
type Chart struct {
	Kind Kind
	// Label is the accessible name (aria-label) and the SVG's <title>.
	Label      string
	Categories []string
	Series     []Series
	// Unit follows every value in tooltips and tick labels ("%", " t").
	Unit string
	// Width and Height are the viewBox size; 420 × 260 when zero, which
	// keeps the text readable when a phone scales the chart to its width.
	// An HBar chart is as high as its rows need and ignores Height.
	Width, Height int
	// YMax, when above zero, fixes the top of the value axis (100 for a
	// rate in percent) unless a value exceeds it.
	YMax float64
	// Counts says the values are whole numbers: the value axis then has
	// no fractional ticks.
	Counts bool
}

// Palette is the Okabe–Ito palette, ordered so that neighbouring series
// differ in lightness as well as hue.
var Palette = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}

// Colour returns the colour of the i-th series; after the palette runs out
// colours repeat.
func Colour(i int) string { return Palette[i%len(Palette)] }

// layout constants, in viewBox units.
const (
	padLeft   = 48
	padRight  = 10
	padTop    = 12
	padBottom = 40
	legendRow = 18
	fontSize  = 12
	charWidth = 6.8 // average advance of a character at fontSize
)

// SVG renders the chart. An empty chart (no categories or no values)
// renders a frame with the accessible label and no marks.
func (c Chart) SVG() []byte {
	if c.Kind == HBar {
		return c.hbarSVG()
	}
	w, h := c.Width, c.Height
	if w <= 0 {
		w = 420
	}
	if h <= 0 {
		h = 260
	}
	legendRows := 0
	if len(c.Series) > 1 {
		legendRows = legendLines(c.Series, float64(w-padLeft-padRight))
	}
	total := h + legendRows*legendRow
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" preserveAspectRatio="xMidYMid meet" font-family="sans-serif" font-size="%d">`, w, total, esc(c.Label), fontSize)
	fmt.Fprintf(&b, `<title>%s</title>`, esc(c.Label))
	lo, hi := c.extent()
	minStep := 0.0
	if c.Counts {
		minStep = 1
	}
	ticks := ticksWith(lo, hi, 5, minStep)
	lo, hi = ticks[0], ticks[len(ticks)-1]
	plot := box{x: padLeft, y: padTop, w: float64(w - padLeft - padRight), h: float64(h - padTop - padBottom)}
	y := func(v float64) float64 { return plot.y + plot.h - (v-lo)/(hi-lo)*plot.h }
	// Grid and value axis.
	b.WriteString(`<g class="axis y" fill="#444" text-anchor="end">`)
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#ddd"/>`, num(plot.x), num(plot.x+plot.w), num(y(t)), num(y(t)))
		fmt.Fprintf(&b, `<text x="%s" y="%s" dy="0.32em">%s</text>`, num(plot.x-6), num(y(t)), esc(Format(t, ticks)+c.Unit))
	}
	b.WriteString(`</g>`)
	n := len(c.Categories)
	if n > 0 {
		c.marks(&b, plot, y, lo)
		c.xAxis(&b, plot)
	}
	fmt.Fprintf(&b, `<line class="axis x" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#444"/>`, num(plot.x), num(plot.x+plot.w), num(y(math.Max(lo, math.Min(0, hi)))), num(y(math.Max(lo, math.Min(0, hi)))))
	if legendRows > 0 {
		c.legend(&b, float64(h), plot)
	}
	b.WriteString(`</svg>`)
	return b.Bytes()
}

type box struct{ x, y, w, h float64 }

// extent is the range of values the value axis must show: zero always
// (bars grow from it), stacked sums for a stacked chart, and YMax.
func (c Chart) extent() (lo, hi float64) {
	for i := range c.Categories {
		var pos, neg float64
		for _, s := range c.Series {
			v := value(s, i)
			if math.IsNaN(v) {
				continue
			}
			if c.Kind == Stacked {
				if v > 0 {
					pos += v
				} else {
					neg += v
				}
				continue
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		lo, hi = math.Min(lo, neg), math.Max(hi, pos)
	}
	if c.YMax > hi {
		hi = c.YMax
	}
	return lo, hi
}

// value is s's i-th value, NaN when absent or not finite.
func value(s Series, i int) float64 {
	if i >= len(s.Values) || math.IsInf(s.Values[i], 0) {
		return math.NaN()
	}
	return s.Values[i]
}

func (c Chart) marks(b *bytes.Buffer, plot box, y func(float64) float64, lo float64) {
	n := len(c.Categories)
	band := plot.w / float64(n)
	zero := y(math.Max(lo, 0))
	tip := func(cat string, s Series, v float64) string {
		t := cat + ": " + FormatValue(v) + c.Unit
		if s.Name != "" {
			t = s.Name + " · " + t
		}
		return esc(t)
	}
	switch c.Kind {
	case Line:
		for si, s := range c.Series {
			col := Colour(si)
			fmt.Fprintf(b, `<g class="series" fill="%s" stroke="%s">`, col, col)
			var path strings.Builder
			pen := false
			for i := 0; i < n; i++ {
				v := value(s, i)
				if math.IsNaN(v) {
					pen = false
					continue
				}
				cmd := "L"
				if !pen {
					cmd = "M"
				}
				fmt.Fprintf(&path, "%s%s %s ", cmd, num(plot.x+band*(float64(i)+0.5)), num(y(v)))
				pen = true
			}
			if path.Len() > 0 {
				fmt.Fprintf(b, `<path d="%s" fill="none" stroke-width="2"%s/>`, strings.TrimSpace(path.String()), dash(si))
			}
			for i := 0; i < n; i++ {
				v := value(s, i)
				if math.IsNaN(v) {
					continue
				}
				fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3.5"><title>%s</title></circle>`, num(plot.x+band*(float64(i)+0.5)), num(y(v)), tip(c.Categories[i], s, v))
			}
			b.WriteString(`</g>`)
		}
	case Stacked:
		bw := band * 0.7
		pos, neg := make([]float64, n), make([]float64, n)
		for si, s := range c.Series {
			fmt.Fprintf(b, `<g class="series" fill="%s">`, Colour(si))
			for i := 0; i < n; i++ {
				v := value(s, i)
				if math.IsNaN(v) || v == 0 {
					continue
				}
				base := &pos[i]
				if v < 0 {
					base = &neg[i]
				}
				y0, y1 := y(*base), y(*base+v)
				*base += v
				rect(b, plot.x+band*float64(i)+(band-bw)/2, math.Min(y0, y1), bw, math.Abs(y1-y0), tip(c.Categories[i], s, v))
			}
			b.WriteString(`</g>`)
		}
	default:
		k := len(c.Series)
		if k == 0 {
			return
		}
		bw := band * 0.8 / float64(k)
		for si, s := range c.Series {
			fmt.Fprintf(b, `<g class="series" fill="%s">`, Colour(si))
			for i := 0; i < n; i++ {
				v := value(s, i)
				if math.IsNaN(v) {
					continue
				}
				yv := y(v)
				rect(b, plot.x+band*float64(i)+band*0.1+bw*float64(si), math.Min(yv, zero), bw, math.Abs(zero-yv), tip(c.Categories[i], s, v))
			}
			b.WriteString(`</g>`)
		}
	}
}

// dash gives every other line series a dash pattern, so lines differ by
// more than their colour.
func dash(i int) string {
	switch i % 3 {
	case 1:
		return ` stroke-dasharray="6 3"`
	case 2:
		return ` stroke-dasharray="2 2"`
	}
	return ""
}

func rect(b *bytes.Buffer, x, y, w, h float64, title string) {
	if h < 0.5 { // keep a zero-height mark hoverable and visible as a hairline
		h = 0.5
	}
	fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`, num(x), num(y), num(w), num(h), title)
}

// xAxis writes the category labels, skipping some when they would
// overlap.
func (c Chart) xAxis(b *bytes.Buffer, plot box) {
	n := len(c.Categories)
	band := plot.w / float64(n)
	widest := 0
	for _, cat := range c.Categories {
		widest = max(widest, len([]rune(cat)))
	}
	step := 1
	if need := float64(widest)*charWidth + 6; need > band {
		step = int(math.Ceil(need / band))
	}
	b.WriteString(`<g class="axis x" fill="#444" text-anchor="middle">`)
	for i := 0; i < n; i += step {
		fmt.Fprintf(b, `<text x="%s" y="%s">%s</text>`, num(plot.x+band*(float64(i)+0.5)), num(plot.y+plot.h+16), esc(c.Categories[i]))
	}
	b.WriteString(`</g>`)
}

// legendLines is how many rows the legend needs within width.
func legendLines(ss []Series, width float64) int {
	rows, x := 1, 0.0
	for _, s := range ss {
		w := legendWidth(s.Name)
		if x > 0 && x+w > width {
			rows, x = rows+1, 0
		}
		x += w
	}
	return rows
}

func legendWidth(name string) float64 { return 22 + float64(len([]rune(name)))*charWidth + 12 }

func (c Chart) legend(b *bytes.Buffer, top float64, plot box) {
	b.WriteString(`<g class="legend" fill="#222">`)
	x, y := 0.0, top-8
	for i, s := range c.Series {
		w := legendWidth(s.Name)
		if x > 0 && x+w > plot.w {
			x, y = 0, y+legendRow
		}
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="14" height="10" fill="%s"/>`, num(plot.x+x), num(y), Colour(i))
		fmt.Fprintf(b, `<text x="%s" y="%s">%s</text>`, num(plot.x+x+18), num(y+9), esc(s.Name))
		x += w
	}
	b.WriteString(`</g>`)
}

// Ticks returns about n "nice" tick values (steps of 1, 2 or 5 times a
// power of ten) from at or below lo to at or above hi. Equal or reversed
// bounds still give at least two ticks.
func Ticks(lo, hi float64, n int) []float64 { return ticksWith(lo, hi, n, 0) }

// ticksWith is Ticks with a step of at least minStep.
func ticksWith(lo, hi float64, n int, minStep float64) []float64 {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		lo, hi = 0, 1
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		if lo == 0 {
			hi = 1
		} else {
			lo, hi = math.Min(0, lo), math.Max(0, hi)
		}
	}
	if n < 2 {
		n = 2
	}
	step := max(niceStep((hi-lo)/float64(n-1)), minStep)
	start := math.Floor(lo/step) * step
	end := math.Ceil(hi/step) * step
	var ts []float64
	for i := 0; ; i++ {
		// whole multiples of the step, with binary noise rounded away
		// (0.6000000000000001 is 0.6)
		t := (math.Round(start/step) + float64(i)) * step
		if e := math.Pow(10, 9-math.Floor(math.Log10(step))); !math.IsInf(e, 0) {
			t = math.Round(t*e) / e
		}
		if t == 0 {
			t = 0 // no negative zero
		}
		ts = append(ts, t)
		if t >= end-step/2 || i > 1000 {
			break
		}
	}
	if len(ts) < 2 {
		ts = append(ts, ts[0]+step)
	}
	return ts
}

// niceStep rounds a raw step up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// Format writes a tick value with as many decimals as the tick step needs.
func Format(v float64, ticks []float64) string {
	dec := 0
	if len(ticks) > 1 {
		step := math.Abs(ticks[1] - ticks[0])
		for dec < 6 && math.Abs(step*math.Pow(10, float64(dec))-math.Round(step*math.Pow(10, float64(dec)))) > 1e-6 {
			dec++
		}
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// FormatValue writes a value for a tooltip or table: at most three
// decimals, no trailing zeros.
func FormatValue(v float64) string {
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// num writes a coordinate with at most two decimals.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	return FormatValue(math.Round(v*100) / 100)
}

// esc escapes text for SVG content and attribute values.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			if r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF {
				continue // not allowed in XML 1.0
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

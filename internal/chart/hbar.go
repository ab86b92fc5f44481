package chart

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"unicode"
)

// Horizontal bar charts: one row per category, its name on the left of
// its bars, wrapped onto as many lines as it needs, so every bar has its
// label however long the names (a vertical bar chart has to leave out the
// labels that do not fit under their bars).

// hbar layout, in viewBox units.
const (
	hbarBar     = 14 // a bar's thickness
	hbarGap     = 2  // between the bars of one category
	hbarRowPad  = 8  // above and below a row's bars or label
	hbarLine    = 14 // a label line's height
	hbarAxis    = 22 // the value axis's tick labels under the plot
	hbarLabelLo = 40 // the label column is at least this wide
)

// textWidth estimates the width of s at fontSize: wide (CJK) characters
// are a full em, capitals and wide letters more than the average.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r >= 0xFF00 && r <= 0xFFEF || r >= 0x3000 && r <= 0x303F:
			w += fontSize
		case strings.ContainsRune("MWmw@%", r):
			w += fontSize * 0.9
		case unicode.IsUpper(r) || unicode.IsDigit(r):
			w += fontSize * 0.68
		case strings.ContainsRune("iljtf.,;:'!| ()", r):
			w += fontSize * 0.34
		default:
			w += charWidth
		}
	}
	return w
}

// Wrap breaks s into lines no wider than width (textWidth): at spaces
// where it can, anywhere in a word too long for a line (Chinese has no
// spaces). Nothing is cut; an empty s is one empty line.
func Wrap(s string, width float64) []string {
	var lines []string
	line := ""
	push := func() {
		if line != "" {
			lines = append(lines, line)
		}
		line = ""
	}
	for _, word := range strings.Fields(s) {
		cand := word
		if line != "" {
			cand = line + " " + word
		}
		if textWidth(cand) <= width {
			line = cand
			continue
		}
		push()
		for textWidth(word) > width {
			rs := []rune(word)
			n := 1
			for n < len(rs) && textWidth(string(rs[:n+1])) <= width {
				n++
			}
			lines = append(lines, string(rs[:n]))
			word = string(rs[n:])
		}
		line = word
	}
	push()
	if len(lines) == 0 {
		lines = []string{""}
	}
	return lines
}

// hbarSVG draws the chart with horizontal bars (Kind HBar).
func (c Chart) hbarSVG() []byte {
	w := c.Width
	if w <= 0 {
		w = 420
	}
	n, k := len(c.Categories), max(len(c.Series), 1)
	// The label column: as wide as the widest name, at most 45% of the
	// chart; longer names wrap.
	widest := 0.0
	for _, cat := range c.Categories {
		widest = math.Max(widest, textWidth(cat))
	}
	labelW := math.Min(math.Max(widest, hbarLabelLo), float64(w)*0.45)
	labels := make([][]string, n)
	rows := make([]float64, n)
	group := float64(k*hbarBar + (k-1)*hbarGap)
	plotH := 0.0
	for i, cat := range c.Categories {
		labels[i] = Wrap(cat, labelW)
		rows[i] = math.Max(group, float64(len(labels[i])*hbarLine)) + 2*hbarRowPad
		plotH += rows[i]
	}
	if n == 0 {
		plotH = 2*hbarRowPad + group
	}
	plot := box{x: 8 + labelW + 8, y: padTop, w: float64(w) - (8 + labelW + 8) - 24, h: plotH}
	legendRows := 0
	legendBox := box{x: 8, w: float64(w) - 16}
	if len(c.Series) > 1 {
		legendRows = legendLines(c.Series, legendBox.w)
	}
	h := padTop + plotH + hbarAxis
	total := h + float64(legendRows*legendRow)
	if legendRows > 0 {
		total += 6
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart hbar" viewBox="0 0 %d %s" role="img" aria-label="%s" preserveAspectRatio="xMidYMid meet" font-family="sans-serif" font-size="%d">`, w, num(math.Ceil(total)), esc(c.Label), fontSize)
	fmt.Fprintf(&b, `<title>%s</title>`, esc(c.Label))
	lo, hi := c.extent()
	minStep := 0.0
	if c.Counts {
		minStep = 1
	}
	ticks := ticksWith(lo, hi, 5, minStep)
	lo, hi = ticks[0], ticks[len(ticks)-1]
	x := func(v float64) float64 { return plot.x + (v-lo)/(hi-lo)*plot.w }
	// Grid and value axis, under the plot.
	b.WriteString(`<g class="axis y" fill="#444" text-anchor="middle">`)
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#ddd"/>`, num(x(t)), num(x(t)), num(plot.y), num(plot.y+plot.h))
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`, num(x(t)), num(plot.y+plot.h+16), esc(Format(t, ticks)+c.Unit))
	}
	b.WriteString(`</g>`)
	zero := x(math.Max(lo, math.Min(0, hi)))
	top := plot.y
	for i, cat := range c.Categories {
		fmt.Fprintf(&b, `<g class="row">`)
		mid := top + rows[i]/2
		ly := mid - float64(len(labels[i])-1)*hbarLine/2
		// Each line's baseline sits a third of the font below its middle.
		fmt.Fprintf(&b, `<text class="cat" x="%s" y="%s" fill="#444" text-anchor="end">`, num(plot.x-8), num(ly+fontSize/3))
		for li, line := range labels[i] {
			dy := ""
			if li > 0 {
				dy = ` dy="` + num(hbarLine) + `"`
			}
			fmt.Fprintf(&b, `<tspan x="%s"%s>%s</tspan>`, num(plot.x-8), dy, esc(line))
		}
		b.WriteString(`</text>`)
		by := mid - group/2
		for si, s := range c.Series {
			v := value(s, i)
			if math.IsNaN(v) {
				continue
			}
			xv := x(v)
			bw := math.Abs(xv - zero)
			if bw < 0.5 {
				bw = 0.5
			}
			t := cat + ": " + FormatValue(v) + c.Unit
			if s.Name != "" {
				t = s.Name + " · " + t
			}
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%d" fill="%s"><title>%s</title></rect>`,
				num(math.Min(xv, zero)), num(by+float64(si*(hbarBar+hbarGap))), num(bw), hbarBar, Colour(si), esc(t))
		}
		b.WriteString(`</g>`)
		top += rows[i]
	}
	fmt.Fprintf(&b, `<line class="axis x" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#444"/>`, num(zero), num(zero), num(plot.y), num(plot.y+plot.h))
	if legendRows > 0 {
		c.legend(&b, h+14, legendBox)
	}
	b.WriteString(`</svg>`)
	return b.Bytes()
}

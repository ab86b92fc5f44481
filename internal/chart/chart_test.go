package chart

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lo, hi float64
		n      int
		want   []float64
	}{
		{"zero to ten", 0, 10, 5, []float64{0, 2.5, 5, 7.5, 10}},
		{"zero to 97", 0, 97, 5, []float64{0, 25, 50, 75, 100}},
		{"percent", 0, 100, 5, []float64{0, 25, 50, 75, 100}},
		{"small fractions", 0, 0.7, 5, []float64{0, 0.2, 0.4, 0.6, 0.8}},
		{"negative and positive", -3, 7, 5, []float64{-5, -2.5, 0, 2.5, 5, 7.5}},
		{"all negative", -42, 0, 5, []float64{-60, -40, -20, 0}},
		{"all zero", 0, 0, 5, []float64{0, 0.25, 0.5, 0.75, 1}},
		{"one positive value", 3, 3, 5, []float64{0, 1, 2, 3}},
		{"reversed", 10, 0, 5, []float64{0, 2.5, 5, 7.5, 10}},
		{"NaN", math.NaN(), 5, 5, []float64{0, 0.25, 0.5, 0.75, 1}},
		{"large", 0, 12345, 5, []float64{0, 5000, 10000, 15000}},
		{"one tick asked", 0, 10, 1, []float64{0, 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Ticks(tc.lo, tc.hi, tc.n)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Ticks(%v, %v, %d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
			}
			if !math.IsNaN(tc.lo) && (got[0] > math.Min(tc.lo, tc.hi) || got[len(got)-1] < math.Max(tc.lo, tc.hi)) {
				t.Errorf("ticks %v do not cover %v..%v", got, tc.lo, tc.hi)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		v     float64
		ticks []float64
		want  string
	}{
		{5, []float64{0, 5, 10}, "5"},
		{2.5, []float64{0, 2.5, 5}, "2.5"},
		{0.4, []float64{0, 0.2, 0.4}, "0.4"},
		{-5, []float64{-5, 0, 5}, "-5"},
	} {
		if got := Format(tc.v, tc.ticks); got != tc.want {
			t.Errorf("Format(%v, %v) = %q, want %q", tc.v, tc.ticks, got, tc.want)
		}
	}
	for v, want := range map[float64]string{1: "1", 1.5: "1.5", 2.125: "2.125", 1.0004: "1", -0.0001: "0", 1234567: "1234567"} {
		if got := FormatValue(v); got != want {
			t.Errorf("FormatValue(%v) = %q, want %q", v, got, want)
		}
	}
}

// svgDoc is the part of a rendered chart the tests read back.
type svgDoc struct {
	XMLName xml.Name `xml:"svg"`
	ViewBox string   `xml:"viewBox,attr"`
	Role    string   `xml:"role,attr"`
	Label   string   `xml:"aria-label,attr"`
	Title   string   `xml:"title"`
	Groups  []struct {
		Class   string `xml:"class,attr"`
		Fill    string `xml:"fill,attr"`
		Rects   []mark `xml:"rect"`
		Circles []mark `xml:"circle"`
		Paths   []struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
		Texts []string `xml:"text"`
	} `xml:"g"`
}

type mark struct {
	X, Y, W, H, CY string
	Title          string `xml:"title"`
}

func (m *mark) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "x":
			m.X = a.Value
		case "y":
			m.Y = a.Value
		case "width":
			m.W = a.Value
		case "height":
			m.H = a.Value
		case "cy":
			m.CY = a.Value
		}
	}
	var inner struct {
		Title string `xml:"title"`
	}
	if err := d.DecodeElement(&inner, &start); err != nil {
		return err
	}
	m.Title = inner.Title
	return nil
}

// parse checks that b is well-formed XML (every token) and decodes it.
func parse(t *testing.T, b []byte) svgDoc {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
	}
	var doc svgDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if doc.Role != "img" || doc.Label == "" || doc.Title != doc.Label || !strings.HasPrefix(doc.ViewBox, "0 0 ") {
		t.Errorf("accessibility attributes: role %q label %q title %q viewBox %q", doc.Role, doc.Label, doc.Title, doc.ViewBox)
	}
	if bytes.Contains(b, []byte("style=")) || bytes.Contains(b, []byte("<script")) {
		t.Error("inline style or script: the page's CSP would block it")
	}
	return doc
}

func (d svgDoc) series() (out [][]mark) {
	for _, g := range d.Groups {
		if g.Class == "series" {
			out = append(out, append(g.Rects, g.Circles...))
		}
	}
	return out
}

func f(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(err)
	}
	return v
}

func TestBarScaling(t *testing.T) {
	c := Chart{Kind: Bar, Label: "Deliveries", Categories: []string{"W1", "W2", "W3"},
		Series: []Series{{Name: "cement", Values: []float64{10, 5, 0}}}, Width: 400, Height: 200}
	doc := parse(t, c.SVG())
	s := doc.series()
	if len(s) != 1 || len(s[0]) != 3 {
		t.Fatalf("series %v", s)
	}
	// Ticks 0..10 over a plot of 200-12-40 = 148 units: 10 is the full
	// height, 5 half of it, 0 a hairline on the axis.
	full := 200.0 - padTop - padBottom
	if h := f(s[0][0].H); math.Abs(h-full) > 0.01 {
		t.Errorf("bar of 10 is %v high, want %v", h, full)
	}
	if h := f(s[0][1].H); math.Abs(h-full/2) > 0.01 {
		t.Errorf("bar of 5 is %v high, want %v", h, full/2)
	}
	if h := f(s[0][2].H); h != 0.5 {
		t.Errorf("bar of 0 is %v high, want a 0.5 hairline", h)
	}
	if got := s[0][1].Title; got != "cement · W2: 5" {
		t.Errorf("tooltip %q", got)
	}
}

func TestNegativeBars(t *testing.T) {
	c := Chart{Kind: Bar, Label: "Change", Categories: []string{"a", "b"}, Series: []Series{{Name: "x", Values: []float64{-5, 5}}}, Height: 200}
	doc := parse(t, c.SVG())
	s := doc.series()[0]
	// Ticks -5..5: the zero line is mid-plot; both bars are half the plot high,
	// the negative one starting at zero and going down.
	half := (200.0 - padTop - padBottom) / 2
	zero := padTop + half
	if math.Abs(f(s[0].H)-half) > 0.01 || math.Abs(f(s[0].Y)-zero) > 0.01 {
		t.Errorf("negative bar y %s h %s, want y %v h %v", s[0].Y, s[0].H, zero, half)
	}
	if math.Abs(f(s[1].H)-half) > 0.01 || math.Abs(f(s[1].Y)-padTop) > 0.01 {
		t.Errorf("positive bar y %s h %s, want y %v h %v", s[1].Y, s[1].H, float64(padTop), half)
	}
}

func TestStacked(t *testing.T) {
	c := Chart{Kind: Stacked, Label: "By supplier", Categories: []string{"W1", "W2"},
		Series: []Series{{Name: "A", Values: []float64{3, 0}}, {Name: "B", Values: []float64{7, 2}}}, Height: 200}
	doc := parse(t, c.SVG())
	s := doc.series()
	if len(s) != 2 {
		t.Fatalf("%d series", len(s))
	}
	if len(s[0]) != 1 { // a zero value draws nothing in a stack
		t.Errorf("series A has %d marks, want 1", len(s[0]))
	}
	full := 200.0 - padTop - padBottom // ticks 0..10
	a, b := s[0][0], s[1][0]
	if math.Abs(f(a.H)-0.3*full) > 0.01 || math.Abs(f(b.H)-0.7*full) > 0.01 {
		t.Errorf("heights %s %s", a.H, b.H)
	}
	// B sits on top of A.
	if math.Abs(f(b.Y)+f(b.H)-f(a.Y)) > 0.01 {
		t.Errorf("B (y %s h %s) does not sit on A (y %s)", b.Y, b.H, a.Y)
	}
	if doc.Groups[len(doc.Groups)-1].Class != "legend" {
		t.Error("two series and no legend")
	}
}

func TestLine(t *testing.T) {
	nan := math.NaN()
	c := Chart{Kind: Line, Label: "Latency", Unit: " ms", Categories: []string{"1", "2", "3", "4"},
		Series: []Series{{Name: "p50", Values: []float64{1, nan, 3, 4}}, {Name: "p99", Values: []float64{2, 3, 8, math.Inf(1)}}}}
	doc := parse(t, c.SVG())
	var paths []string
	for _, g := range doc.Groups {
		for _, p := range g.Paths {
			paths = append(paths, p.D)
		}
	}
	if len(paths) != 2 {
		t.Fatalf("paths %v", paths)
	}
	// The missing value breaks the first line in two.
	if strings.Count(paths[0], "M") != 2 {
		t.Errorf("a gap should start a new subpath: %s", paths[0])
	}
	s := doc.series()
	if len(s[0]) != 3 || len(s[1]) != 3 {
		t.Errorf("points %d %d, want 3 and 3 (NaN and Inf dropped)", len(s[0]), len(s[1]))
	}
	if s[1][2].Title != "p99 · 3: 8 ms" {
		t.Errorf("tooltip %q", s[1][2].Title)
	}
}

func TestEmpty(t *testing.T) {
	for _, c := range []Chart{
		{Kind: Bar, Label: "nothing"},
		{Kind: Stacked, Label: "no series", Categories: []string{"a"}},
		{Kind: Line, Label: "no values", Categories: []string{"a"}, Series: []Series{{Name: "x"}}},
	} {
		doc := parse(t, c.SVG())
		for _, s := range doc.series() {
			if len(s) != 0 {
				t.Errorf("%s: marks %v", c.Label, s)
			}
		}
	}
}

func TestEscaping(t *testing.T) {
	evil := `<script>alert("x")</script> & 'q' ` + "\x01\xff"
	c := Chart{Kind: Stacked, Label: evil, Categories: []string{evil}, Series: []Series{{Name: evil, Values: []float64{1}}, {Name: "b", Values: []float64{2}}}}
	b := c.SVG()
	doc := parse(t, b)
	if bytes.Contains(b, []byte("<script")) {
		t.Fatal("unescaped markup")
	}
	want := `<script>alert("x")</script> & 'q' ` + "\uFFFD"
	if doc.Label != want {
		t.Errorf("label read back as %q, want %q", doc.Label, want)
	}
}

func TestManyCategoriesSkipLabels(t *testing.T) {
	var cats []string
	var vals []float64
	for i := 0; i < 52; i++ {
		cats = append(cats, "2026-W"+strconv.Itoa(i+1))
		vals = append(vals, float64(i))
	}
	doc := parse(t, Chart{Kind: Bar, Label: "year", Categories: cats, Series: []Series{{Values: vals}}}.SVG())
	for _, g := range doc.Groups {
		if g.Class == "axis x" {
			if len(g.Texts) >= 52 || len(g.Texts) < 5 {
				t.Errorf("%d category labels for 52 narrow bands", len(g.Texts))
			}
			return
		}
	}
	t.Error("no category axis")
}

func TestYMaxAndPalette(t *testing.T) {
	doc := parse(t, Chart{Kind: Bar, Label: "rate", Unit: "%", YMax: 100, Categories: []string{"a"}, Series: []Series{{Name: "x", Values: []float64{12}}}}.SVG())
	var labels []string
	for _, g := range doc.Groups {
		if g.Class == "axis y" {
			labels = g.Texts
		}
	}
	if len(labels) == 0 || labels[len(labels)-1] != "100%" {
		t.Errorf("value axis %v, want it to end at 100%%", labels)
	}
	if Colour(0) == Colour(1) || Colour(len(Palette)) != Colour(0) {
		t.Error("palette")
	}
}

func TestCountsHaveWholeTicks(t *testing.T) {
	doc := parse(t, Chart{Kind: Bar, Label: "holds", Counts: true, Categories: []string{"a", "b"}, Series: []Series{{Values: []float64{2, 1}}}}.SVG())
	for _, g := range doc.Groups {
		if g.Class == "axis y" {
			if want := []string{"0", "1", "2"}; !reflect.DeepEqual(g.Texts, want) {
				t.Errorf("value axis %v, want %v", g.Texts, want)
			}
			return
		}
	}
	t.Error("no value axis")
}

// BenchmarkSVG draws a stacked chart of 52 weeks × 8 series, the largest
// the dashboards draw.
func BenchmarkSVG(b *testing.B) {
	c := Chart{Kind: Stacked, Label: "deliveries"}
	for i := 0; i < 52; i++ {
		c.Categories = append(c.Categories, "03-"+strconv.Itoa(i))
	}
	for s := 0; s < 8; s++ {
		v := make([]float64, 52)
		for i := range v {
			v[i] = float64((i*7+s*3)%11 + 1)
		}
		c.Series = append(c.Series, Series{Name: "Supplier " + strconv.Itoa(s), Values: v})
	}
	b.ReportAllocs()
	for range b.N {
		if len(c.SVG()) == 0 {
			b.Fatal("empty")
		}
	}
}

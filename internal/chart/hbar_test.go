package chart

import (
	"encoding/xml"
	"math"
	"strings"
	"testing"
)

// hbarDoc is a horizontal bar chart read back: its rows, each with its
// label's lines and its bars.
type hbarDoc struct {
	Class string `xml:"class,attr"`
	Rows  []struct {
		Class string `xml:"class,attr"`
		Label struct {
			Class string `xml:"class,attr"`
			X     string `xml:"x,attr"`
			Y     string `xml:"y,attr"`
			Lines []struct {
				Text string `xml:",chardata"`
				DY   string `xml:"dy,attr"`
			} `xml:"tspan"`
		} `xml:"text"`
		Bars []mark `xml:"rect"`
	} `xml:"g"`
}

// TestHBarLabelsEveryBar: five suppliers with long names, English and
// Chinese, on a 420-unit chart: every bar's row carries its supplier's
// whole name (wrapped, never cut), the label column fits the chart, no two
// labels overlap and no label runs into its bars. The vertical chart this
// replaces labelled two of the five.
func TestHBarLabelsEveryBar(t *testing.T) {
	names := []string{
		"Fuchun Cement Co., Ltd.",
		"Zhongjian No. 8 Engineering Bureau, Hangzhou Branch",
		"Jiangnan Special Steel Group",
		"杭州西湖商品混凝土有限公司第二搅拌站",
		"Qiantang Aggregate & Sand Supply",
	}
	c := Chart{Kind: HBar, Label: "On-time delivery", Unit: "%", YMax: 100, Categories: names,
		Series: []Series{{Name: "on time", Values: []float64{100, 87.5, math.NaN(), 40, 0}}}}
	b := c.SVG()
	parse(t, b) // well-formed, accessible, no style or script
	var doc hbarDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var rows []int
	for i, g := range doc.Rows {
		if g.Class == "row" {
			rows = append(rows, i)
		}
	}
	if len(rows) != len(names) {
		t.Fatalf("%d rows for %d categories", len(rows), len(names))
	}
	prevBottom := -1.0
	for i, ri := range rows {
		r := doc.Rows[ri]
		if r.Label.Class != "cat" || len(r.Label.Lines) == 0 {
			t.Fatalf("row %d has no label", i)
		}
		var lines []string
		widest := 0.0
		for _, l := range r.Label.Lines {
			lines = append(lines, l.Text)
			widest = math.Max(widest, textWidth(l.Text))
		}
		if got, want := strings.ReplaceAll(strings.Join(lines, ""), " ", ""), strings.ReplaceAll(names[i], " ", ""); got != want {
			t.Errorf("row %d is labelled %q, want all of %q", i, lines, names[i])
		}
		right := f(r.Label.X)
		if left := right - widest; left < 0 {
			t.Errorf("row %d: label %q starts at %.1f, outside the chart", i, lines, left)
		}
		top := f(r.Label.Y) - fontSize
		bottom := f(r.Label.Y) + float64(len(lines)-1)*hbarLine + fontSize/3
		if top < prevBottom {
			t.Errorf("row %d: label %q (from %.1f) overlaps the one above (to %.1f)", i, lines, top, prevBottom)
		}
		prevBottom = bottom
		for _, bar := range r.Bars {
			if f(bar.X) < right {
				t.Errorf("row %d: bar at %s runs into its label (ends at %.1f)", i, bar.X, right)
			}
			if mid := f(bar.Y) + f(bar.H)/2; mid < top || mid > bottom+fontSize {
				t.Errorf("row %d: bar middle %.1f is not beside its label (%.1f–%.1f)", i, mid, top, bottom)
			}
			if !strings.HasPrefix(bar.Title, "on time · "+names[i]+": ") {
				t.Errorf("row %d: bar tooltip %q", i, bar.Title)
			}
		}
		if want := 1; i != 2 && len(r.Bars) != want {
			t.Errorf("row %d: %d bars", i, len(r.Bars))
		}
	}
	if !strings.Contains(string(b), `class="chart hbar"`) {
		t.Error("no hbar class for the page's CSS")
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width float64
		want  []string
	}{
		{"short", 100, []string{"short"}},
		{"Zhongjian No. 8 Engineering Bureau", 90, []string{"Zhongjian No.", "8 Engineering", "Bureau"}},
		{"杭州西湖商品混凝土有限公司", 60, []string{"杭州西湖商", "品混凝土有", "限公司"}},
		{"", 50, []string{""}},
	} {
		got := Wrap(tc.in, tc.width)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Wrap(%q, %v) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
		for _, l := range got {
			if textWidth(l) > tc.width && len([]rune(l)) > 1 {
				t.Errorf("Wrap(%q): line %q is wider than %v", tc.in, l, tc.width)
			}
		}
	}
}

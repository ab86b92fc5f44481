package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// echo translates an ID to itself plus its arguments, so tests see which
// message was asked for.
type echo struct{}

func (echo) T(id string, kv ...any) string { return id + fmt.Sprint(kv...) }

type plainNames struct{}

func (plainNames) Org(id string) string     { return "org " + id }
func (plainNames) Product(id string) string { return "product " + id }

func dec(s string) models.Decimal {
	d, err := models.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// knownTraces is concrete C1 made from cement CEM.1 (split from CEM) and
// aggregate AGG, backward; and CEM forward to CEM.1, C1 and C2, and the
// usages of C1 on two floors of tower T1 and one of T2.
func knownTraces() (back, fwd *store.Trace) {
	back = &store.Trace{Root: "C1", Nodes: []store.TraceNode{
		{Code: "C1", ProductID: "c30", Status: models.StatusDepleted, Quantity: dec("8"), Unit: "m3"},
		{Code: "AGG", Depth: 1, ProductID: "agg", Status: models.StatusAvailable, Quantity: dec("40"), Unit: "t"},
		{Code: "CEM.1", Depth: 1, ProductID: "cem", Status: models.StatusRecalled, Quantity: dec("10"), Unit: "t"},
		{Code: "CEM", Depth: 2, ProductID: "cem", Status: models.StatusRecalled, Quantity: dec("100"), Unit: "t"},
	}, Edges: []store.TraceEdge{
		{Parent: "AGG", Child: "C1", Quantity: dec("6"), Kind: models.LineageTransform, Depth: 1},
		{Parent: "CEM.1", Child: "C1", Quantity: dec("2"), Kind: models.LineageTransform, Depth: 1},
		{Parent: "CEM", Child: "CEM.1", Quantity: dec("10"), Kind: models.LineageSplit, Depth: 2},
	}}
	fwd = &store.Trace{Root: "CEM", Nodes: []store.TraceNode{
		{Code: "CEM", ProductID: "cem", Status: models.StatusRecalled, Quantity: dec("100"), Unit: "t"},
		{Code: "CEM.1", Depth: 1, ProductID: "cem", Status: models.StatusRecalled, Quantity: dec("10"), Unit: "t"},
		{Code: "C1", Depth: 2, ProductID: "c30", Status: models.StatusDepleted, Quantity: dec("8"), Unit: "m3"},
		{Code: "C2", Depth: 2, ProductID: "c30", Status: models.StatusRecalled, Quantity: dec("8"), Unit: "m3"},
	}, Edges: []store.TraceEdge{
		{Parent: "CEM", Child: "CEM.1", Quantity: dec("10"), Kind: models.LineageSplit, Depth: 1},
		{Parent: "CEM.1", Child: "C1", Quantity: dec("2"), Kind: models.LineageTransform, Depth: 2},
		{Parent: "CEM.1", Child: "C2", Quantity: dec("2"), Kind: models.LineageTransform, Depth: 2},
	}, Usages: []models.Usage{
		{BatchCode: "C1", Quantity: dec("3"), Unit: "m3", Location: models.Location{Project: "P", Building: "T1", Floor: "3", Element: "column C3"}},
		{BatchCode: "C1", Quantity: dec("2"), Unit: "m3", Location: models.Location{Project: "P", Building: "T2", Floor: "1", Element: "slab"}},
		{BatchCode: "C1", Quantity: dec("3"), Unit: "m3", Location: models.Location{Project: "P", Building: "T1", Floor: "4", Element: "column C4"}},
	}}
	return back, fwd
}

// svgDoc is the part of an SVG document the tests read back.
type svgDoc struct {
	XMLName xml.Name `xml:"svg"`
	Title   string   `xml:"title"`
	Edges   []struct {
		From  string `xml:"data-from,attr"`
		To    string `xml:"data-to,attr"`
		Title string `xml:"title"`
	} `xml:"g>g"`
	Nodes []svgNode `xml:"g>a>g"`
}

type svgNode struct {
	ID    string   `xml:"data-id,attr"`
	Code  string   `xml:"data-code,attr"`
	Count int      `xml:"data-count,attr"`
	Title string   `xml:"title"`
	Texts []string `xml:"text"`
}

func render(t *testing.T, g *Graph) ([]byte, svgDoc) {
	t.Helper()
	var buf bytes.Buffer
	err := SVG(&buf, Place(g), echo{}, SVGOptions{Title: "trace <of> " + g.Root, Href: func(n Node) string { return "/b/" + n.Code + "?a=1&b=2" }})
	if err != nil {
		t.Fatal(err)
	}
	// Well-formed: a strict decoder reads every token.
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("svg is not well-formed XML: %v\n%s", err, buf.String())
		}
	}
	var doc svgDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), doc
}

// TestGraphOfKnownTrace draws the backward, forward and combined graphs of
// a known trace: every batch is a box, every lineage edge an arrow, the
// usages are grouped per batch and building, and nothing is left over.
func TestGraphOfKnownTrace(t *testing.T) {
	back, fwd := knownTraces()
	for _, c := range []struct {
		name      string
		back, fwd *store.Trace
		nodes     []string // node IDs, in order
		edges     []string // from>to
		usages    int
	}{
		{"backward", back, nil, []string{"b:CEM", "b:AGG", "b:CEM.1", "b:C1"},
			[]string{"b:CEM>b:CEM.1", "b:AGG>b:C1", "b:CEM.1>b:C1"}, 0},
		{"forward", nil, fwd, []string{"b:CEM", "b:CEM.1", "b:C1", "b:C2", UsageID("C1", "P", "T1"), UsageID("C1", "P", "T2")},
			[]string{"b:CEM>b:CEM.1", "b:CEM.1>b:C1", "b:CEM.1>b:C2", "b:C1>" + UsageID("C1", "P", "T1"), "b:C1>" + UsageID("C1", "P", "T2")}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := New(c.back, c.fwd, plainNames{})
			var ids, edges []string
			for _, n := range g.Nodes {
				ids = append(ids, n.ID)
			}
			for _, e := range g.Edges {
				edges = append(edges, e.From+">"+e.To)
			}
			if strings.Join(ids, " ") != strings.Join(c.nodes, " ") {
				t.Errorf("nodes %q, want %q", ids, c.nodes)
			}
			if strings.Join(edges, " ") != strings.Join(c.edges, " ") {
				t.Errorf("edges %q, want %q", edges, c.edges)
			}
			if g.Usages != c.usages {
				t.Errorf("%d usages, want %d", g.Usages, c.usages)
			}
			_, doc := render(t, g)
			if len(doc.Nodes) != len(c.nodes) || len(doc.Edges) != len(c.edges) {
				t.Fatalf("svg has %d boxes and %d arrows, want %d and %d", len(doc.Nodes), len(doc.Edges), len(c.nodes), len(c.edges))
			}
			for i, n := range doc.Nodes {
				if n.ID != c.nodes[i] {
					t.Errorf("box %d is %q, want %q", i, n.ID, c.nodes[i])
				}
			}
			for i, e := range doc.Edges {
				if e.From+">"+e.To != c.edges[i] {
					t.Errorf("arrow %d is %s>%s, want %s", i, e.From, e.To, c.edges[i])
				}
			}
		})
	}
	g := New(both())
	t1, ok := g.Node(UsageID("C1", "P", "T1"))
	if !ok || t1.Count != 2 || t1.Quantity != dec("6") || strings.Join(t1.Floors, ",") != "3,4" || t1.Layer != 2 {
		t.Errorf("usage group T1: %+v", t1)
	}
	if root, _ := g.Node("b:CEM.1"); !root.Root || root.Layer != 0 {
		t.Errorf("root: %+v", root)
	}
	if cem, _ := g.Node("b:CEM"); cem.Layer != -1 || cem.Product != "product cem" {
		t.Errorf("origin: %+v", cem)
	}
	l := Place(g)
	for _, b := range l.Boxes {
		if want := Margin + float64(b.Layer+1)*colStep; b.X != want {
			t.Errorf("%s at x %g, want %g (layer %d)", b.ID, b.X, want, b.Layer)
		}
	}
}

// both is the trace of CEM.1 both ways: back to CEM, forward to C1, C2
// and the usages of C1.
func both() (back, fwd *store.Trace, n Names) {
	b, f := knownTraces()
	back = &store.Trace{Root: "CEM.1", Nodes: []store.TraceNode{b.Nodes[2], b.Nodes[3]}, Edges: []store.TraceEdge{b.Edges[2]}}
	back.Nodes[0].Depth, back.Nodes[1].Depth = 0, 1
	fwd = &store.Trace{Root: "CEM.1", Nodes: f.Nodes[1:], Edges: f.Edges[1:], Usages: f.Usages}
	for i := range fwd.Nodes {
		fwd.Nodes[i].Depth--
	}
	for i := range fwd.Edges {
		fwd.Edges[i].Depth--
	}
	return back, fwd, plainNames{}
}

// TestGraphEscapesHostileText puts markup, quotes and control characters
// into every text the graph shows: the SVG stays well-formed and carries
// the text back unchanged, with no element of its own.
func TestGraphEscapesHostileText(t *testing.T) {
	hostile := `<script>alert("x")</script>&amp;'"` + "\x01]]>"
	tr := &store.Trace{Root: hostile, Nodes: []store.TraceNode{
		{Code: hostile, ProductID: hostile, Status: models.BatchStatus(hostile), Unit: hostile, HeatNumber: hostile},
	}, Usages: []models.Usage{{BatchCode: hostile, Unit: hostile, Location: models.Location{Project: hostile, Building: hostile, Floor: hostile, Element: hostile}}}}
	raw, doc := render(t, New(nil, tr, plainNames{}))
	if bytes.Contains(raw, []byte("<script")) || bytes.Contains(raw, []byte("]]>")) {
		t.Fatalf("markup got through:\n%s", raw)
	}
	if len(doc.Nodes) != 2 || doc.Nodes[0].Code != strings.ReplaceAll(hostile, "\x01", "\uFFFD") {
		t.Fatalf("boxes %+v", doc.Nodes)
	}
	if !strings.Contains(doc.Title, "<of>") || !strings.Contains(doc.Nodes[1].Title, `<script>alert("x")</script>`) {
		t.Errorf("titles do not carry the text back: %q %q", doc.Title, doc.Nodes[1].Title)
	}
}

// TestLayoutIsDeterministic shuffles a trace's rows: the graph and the
// drawing stay byte for byte the same.
func TestLayoutIsDeterministic(t *testing.T) {
	want, _ := render(t, New(both()))
	for i := range 5 {
		b2, f2, _ := both()
		rot := func(n int, swap func(i, j int)) {
			for k := 0; k < n-1; k++ {
				if (k+i)%2 == 0 {
					swap(k, k+1)
				}
			}
		}
		rot(len(b2.Nodes)-1, func(a, b int) { b2.Nodes[a+1], b2.Nodes[b+1] = b2.Nodes[b+1], b2.Nodes[a+1] })
		rot(len(f2.Edges), func(a, b int) { f2.Edges[a], f2.Edges[b] = f2.Edges[b], f2.Edges[a] })
		rot(len(f2.Nodes)-1, func(a, b int) { f2.Nodes[a+1], f2.Nodes[b+1] = f2.Nodes[b+1], f2.Nodes[a+1] })
		got, _ := render(t, New(b2, f2, plainNames{}))
		if !bytes.Equal(got, want) {
			t.Fatalf("shuffle %d draws a different graph", i)
		}
	}
}

// TestGraphGroupsManyUsages traces a batch split into 20 bars with 1,000
// usages over 30 floors of two towers: the graph stays at one box per
// bar and tower, each with its count, and the counts add up.
func TestGraphGroupsManyUsages(t *testing.T) {
	tr := &store.Trace{Root: "H", Nodes: []store.TraceNode{{Code: "H", Status: models.StatusAvailable, Unit: "t"}}}
	for i := range 20 {
		code := fmt.Sprintf("H-%02d", i)
		tr.Nodes = append(tr.Nodes, store.TraceNode{Code: code, Depth: 1, Status: models.StatusDepleted, Unit: "t"})
		tr.Edges = append(tr.Edges, store.TraceEdge{Parent: "H", Child: code, Quantity: dec("5"), Kind: models.LineageSplit, Depth: 1})
	}
	for i := range 1000 {
		tr.Usages = append(tr.Usages, models.Usage{ID: fmt.Sprint(i), BatchCode: fmt.Sprintf("H-%02d", i%20), Quantity: dec("0.1"), Unit: "t",
			Location: models.Location{Project: "P", Building: fmt.Sprintf("T%d", 1+(i/20)%2), Floor: fmt.Sprint(1 + i%30), Element: fmt.Sprint("C", i)}})
	}
	g := New(nil, tr, plainNames{})
	_, doc := render(t, g)
	groups, sum := 0, 0
	for _, n := range doc.Nodes {
		if n.Count > 0 {
			groups++
			sum += n.Count
		}
	}
	if len(doc.Nodes) != 1+20+40 || groups != 40 || sum != 1000 || g.Usages != 1000 {
		t.Errorf("%d boxes, %d usage boxes holding %d usages; want 61, 40, 1000", len(doc.Nodes), groups, sum)
	}
	if l := Place(g); l.Height > 41*rowStep+2*Margin {
		t.Errorf("the graph is %g units tall for 41 boxes in its tallest column", l.Height)
	}
}

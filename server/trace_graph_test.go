package server

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/report"
	"github.com/plumbline/plumbline/models"
)

// graphDoc is what the tests read back from a trace graph SVG.
type graphDoc struct {
	Nodes []struct {
		ID    string `xml:"data-id,attr"`
		Code  string `xml:"data-code,attr"`
		Count int    `xml:"data-count,attr"`
	} `xml:"g>a>g"`
	Edges []struct {
		From string `xml:"data-from,attr"`
		To   string `xml:"data-to,attr"`
	} `xml:"g>g"`
}

// parseGraph checks that svg is well-formed XML without script and reads
// its boxes and arrows.
func parseGraph(t *testing.T, svg []byte) graphDoc {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("trace graph is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local == "script" || se.Name.Local == "style" || se.Name.Local == "foreignObject" {
				t.Fatalf("trace graph has a <%s>", se.Name.Local)
			}
			for _, a := range se.Attr {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") || a.Name.Local == "style" {
					t.Fatalf("trace graph has attribute %s on <%s>", a.Name.Local, se.Name.Local)
				}
			}
		}
	}
	var g graphDoc
	if err := xml.Unmarshal(svg, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestTraceGraph draws the demo's recalled cement lot both ways: /trace.svg
// has a box for every batch the API's trace reached, an arrow for every
// lineage edge and usage groups holding every usage the viewer may see;
// the report page carries the same graph inline, the pan/zoom script and
// the collapsible tree. An uninvolved organization gets the batches but no
// usage location. Bad input is a 4xx with the field named.
func TestTraceGraph(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	q := "batch=" + url.QueryEscape(d.recall.BatchCode) + "&direction=both&depth=64"
	var elements []string // where the involved saw the lot go
	for _, c := range []struct {
		user   string
		usages bool
	}{{"qianjiang-urban-dev.viewer", true}, {"hz-construction-bureau.viewer", true}, {"qiantang-glass.viewer", false}} {
		t.Run(c.user, func(t *testing.T) {
			var tr traceResponse
			if code := f.call(t, f.token(t, c.user), "GET", "/api/v1/batches/"+d.recall.BatchCode+"/trace?direction=both&depth=64", nil, &tr); code != http.StatusOK {
				t.Fatalf("trace API: %d", code)
			}
			cl := f.login(t, c.user)
			code, body, h := cl.do(t, newGet(t, f.URL+"/trace.svg?"+q))
			if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "image/svg+xml") {
				t.Fatalf("/trace.svg: %d %s", code, h.Get("Content-Type"))
			}
			g := parseGraph(t, []byte(body))
			boxes, counted := map[string]bool{}, 0
			for _, n := range g.Nodes {
				boxes[n.ID] = true
				counted += n.Count
			}
			for _, n := range append(tr.Backward.Nodes, tr.Forward.Nodes...) {
				if !boxes[report.BatchID(n.Code)] {
					t.Errorf("no box for batch %s", n.Code)
				}
			}
			arrows := map[string]bool{}
			for _, e := range g.Edges {
				arrows[e.From+">"+e.To] = true
			}
			for _, e := range append(tr.Backward.Edges, tr.Forward.Edges...) {
				if !arrows[report.BatchID(e.Parent)+">"+report.BatchID(e.Child)] {
					t.Errorf("no arrow %s → %s", e.Parent, e.Child)
				}
			}
			for _, u := range tr.Forward.Usages {
				if !arrows[report.BatchID(u.BatchCode)+">"+report.UsageID(u.BatchCode, u.Location.Project, u.Location.Building)] {
					t.Errorf("no usage group for %s in %s", u.BatchCode, u.Location.Building)
				}
			}
			if counted != len(tr.Forward.Usages) || (counted > 0) != c.usages {
				t.Errorf("usage groups hold %d usages; the trace has %d; want some: %v", counted, len(tr.Forward.Usages), c.usages)
			}
			for _, u := range tr.Forward.Usages {
				elements = append(elements, u.Location.Element)
			}
			for _, e := range elements {
				if !c.usages && strings.Contains(body, e) {
					t.Errorf("uninvolved viewer sees element %q", e)
				}
			}

			code, page := cl.get(t, "/trace?"+q)
			if code != http.StatusOK {
				t.Fatalf("/trace: %d", code)
			}
			for _, want := range []string{`id="trace-graph"`, `<svg xmlns="http://www.w3.org/2000/svg" class="trace-graph"`, `src="/static/js/graph.js"`,
				`id="tree-backward"`, `id="tree-forward"`, `<details open><summary>`, `data-graph="in"`, `href="/trace.svg?`} {
				if !strings.Contains(page, want) {
					t.Errorf("report page lacks %s", want)
				}
			}
			if c.usages {
				u := tr.Forward.Usages[0]
				anchor := usageAnchor(u.BatchCode, u.Location.Project, u.Location.Building)
				if !strings.Contains(page, `href="#`+anchor+`"`) || !strings.Contains(page, `id="`+anchor+`"`) {
					t.Errorf("the usage box of %s does not link to its list in the tree (#%s)", u.BatchCode, anchor)
				}
			}
		})
	}

	c := f.login(t, "qianjiang-urban-dev.viewer")
	for _, b := range []struct {
		query string
		code  int
		msg   string
	}{
		{"batch=NO-SUCH", http.StatusNotFound, "NO-SUCH"},
		{"batch=", http.StatusUnprocessableEntity, "required"},
		{"batch=" + d.lot + "&depth=0", http.StatusUnprocessableEntity, "1 to 256"},
		{"batch=" + d.lot + "&depth=257", http.StatusUnprocessableEntity, "1 to 256"},
		{"batch=" + d.lot + "&direction=up", http.StatusUnprocessableEntity, "backward, forward, both"},
	} {
		if code, body := c.get(t, "/trace.svg?"+b.query); code != b.code || !strings.Contains(body, b.msg) {
			t.Errorf("/trace.svg?%s = %d, want %d saying %q", b.query, code, b.code, b.msg)
		}
	}
	if code, _ := f.anon().get(t, "/trace.svg?"+q); code != http.StatusSeeOther && code != http.StatusFound && code != http.StatusUnauthorized {
		t.Errorf("anonymous /trace.svg: %d", code)
	}
}

func newGet(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestTraceCSVColumns checks that the CSV carries every column the report
// shows: each batch row its product, producer, status, quantity and
// lineage; each usage row its place, date, contractor (by name), usage and
// transaction.
func TestTraceCSVColumns(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	var tr traceResponse
	if code := f.call(t, f.token(t, "hz-construction-bureau.viewer"), "GET", "/api/v1/batches/"+d.recall.BatchCode+"/trace?direction=forward", nil, &tr); code != http.StatusOK {
		t.Fatalf("trace API: %d", code)
	}
	code, body := f.login(t, "hz-construction-bureau.viewer").get(t, "/trace.csv?batch="+url.QueryEscape(d.recall.BatchCode)+"&direction=forward")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, utf8BOM))).ReadAll()
	if code != http.StatusOK || err != nil || len(rows) < 2 {
		t.Fatalf("trace.csv: %d %v", code, err)
	}
	L := f.srv.cat.Localizer("en")
	var want []string
	for _, col := range strings.Split("direction,level,batch,via,product,producer,custodian,status,quantity,unit,lineage,heat_number,lot_number,produced_on,"+
		"project,building,floor,element,used_at,shown_above,usage_id,tx_id", ",") {
		want = append(want, L.T("csv.col."+col))
	}
	if head := strings.Join(rows[0], ","); !strings.HasPrefix(body, utf8BOM) || head != strings.Join(want, ",") {
		t.Fatalf("header %s, want %s after a byte-order mark", head, strings.Join(want, ","))
	}
	usages := map[string]bool{}
	for _, r := range rows[1:] {
		if r[7] == "used" {
			usages[r[20]] = true
			if r[6] == "" || r[6] == demo.OrgContractor || r[14] == "" || r[17] == "" || r[18] == "" || r[21] == "" {
				t.Errorf("usage row %q", r)
			}
		} else if r[4] == "" || r[5] == "" || r[7] == "" || r[8] == "" {
			t.Errorf("batch row %q", r)
		}
	}
	for _, u := range tr.Forward.Usages {
		if !usages[u.ID] {
			t.Errorf("usage %s is not in the CSV", u.ID)
		}
	}
}

// TestTraceReportsTranslated fetches every trace-report view — page,
// graph, PDF, where used and its CSV — in both languages: nothing logs a
// missing translation (the graph and the PDF take their words from Go, out
// of reach of the template checks).
func TestTraceReportsTranslated(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	c := f.login(t, "hz-construction-bureau.viewer")
	f.logs.take()
	q := "batch=" + url.QueryEscape(d.recall.BatchCode) + "&direction=both"
	// A recall case marks its batches, so its opening is on their
	// timelines, which the PDF lists.
	code, _ := usedBatch(t, f, demo.OrgReadyMix, demo.ProdConcreteC30)
	recall := openCaseRequest{Kind: models.CaseRecall, Batch: code, Severity: "high", Reason: "cubes below C30", TargetDate: target(14)}
	if st := f.call(t, f.token(t, user(demo.OrgInspection, models.RoleInspector)), "POST", "/api/v1/cases", recall, nil); st != http.StatusCreated {
		t.Fatalf("open a recall case on %s: %d", code, st)
	}
	withCase := "/trace.pdf?batch=" + url.QueryEscape(code) + "&direction=backward"
	for _, lang := range []string{"en", "zh-CN"} {
		for _, path := range []string{"/trace?" + q, "/trace.svg?" + q, "/trace.pdf?" + q, withCase, "/where-used?product=" + demo.ProdCement, "/where-used.csv?product=" + demo.ProdCement} {
			if code, _ := c.get(t, path+"&lang="+lang); code != http.StatusOK {
				t.Errorf("%s %s: %d", lang, path, code)
			}
		}
		for _, l := range f.logs.take() {
			t.Errorf("%s: logged: %s", lang, l)
		}
	}
}

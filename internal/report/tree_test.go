package report

import (
	"strings"
	"testing"
)

// TestTreeRows lays the known traces out as the report's tree: depth
// first, usages under their batch, a batch reached twice shown once
// expanded, and the CSV columns in place.
func TestTreeRows(t *testing.T) {
	back, fwd := knownTraces()
	var got []string
	for _, r := range TreeRows(fwd, true, plainNames{}) {
		kind := r.Code
		if r.Usage != nil {
			kind = "use " + r.Usage.Location.Building + "/" + r.Usage.Location.Floor
		}
		got = append(got, strings.Repeat(" ", r.Level)+kind)
	}
	want := []string{"CEM", " CEM.1", "  C1", "   use T1/3", "   use T2/1", "   use T1/4", "  C2"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("forward rows\n got %q\nwant %q", got, want)
	}
	rows := TreeRows(back, false, plainNames{})
	if len(rows) != 4 || rows[0].Code != "C1" || rows[3].Code != "CEM" || rows[3].Level != 2 || rows[3].Via != "CEM.1" {
		t.Fatalf("backward rows: %+v", rows)
	}
	if rows[0].Product != "product c30" || rows[3].Quantity.String() != "10" {
		t.Errorf("names or quantities: %+v", rows)
	}
	csv := rows[3].CSV("backward")
	if len(csv) != 22 || csv[0] != "backward" || csv[1] != "2" || csv[2] != "CEM" || csv[3] != "CEM.1" || csv[10] != "split" {
		t.Errorf("CSV %q", csv)
	}
	// A diamond: the same batch twice is expanded once.
	fwd.Edges = append(fwd.Edges, fwd.Edges[1])
	rep := TreeRows(fwd, true, plainNames{})
	repeats := 0
	for _, r := range rep {
		if r.Repeat {
			repeats++
		}
	}
	if repeats != 1 {
		t.Errorf("%d repeated rows, want 1", repeats)
	}
}

// TestBranches nests the rows and groups the usages per building.
func TestBranches(t *testing.T) {
	_, fwd := knownTraces()
	root := Branches(TreeRows(fwd, true, plainNames{}))
	if root == nil || root.Code != "CEM" || len(root.Children) != 1 || !root.Open() {
		t.Fatalf("root %+v", root)
	}
	c1 := root.Children[0].Children[0]
	if c1.Code != "C1" || c1.Open() || len(c1.Groups) != 2 {
		t.Fatalf("C1 branch %+v", c1)
	}
	t1 := c1.Groups[0]
	if t1.Building != "T1" || len(t1.Usages) != 2 || t1.Quantity.String() != "6" || t1.Anchor != UsageAnchor("C1", "P", "T1") {
		t.Errorf("T1 group %+v", t1)
	}
	if !strings.HasPrefix(t1.Anchor, "uses-") || t1.Anchor == UsageAnchor("C1", "P", "T2") {
		t.Errorf("anchors %q", t1.Anchor)
	}
}

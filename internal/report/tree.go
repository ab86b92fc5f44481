package report

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// The trace report as a tree (the page's collapsible tree and the CSV).

// TreeRow is one line of a trace report: a batch reached (indented by its
// place in the tree) or, in a forward trace, a place a batch was used.
type TreeRow struct {
	Level      int
	Code       string
	Via        string // the batch above it in the tree ("" for the root)
	Product    string
	Producer   string
	Custodian  string
	Status     models.BatchStatus
	Quantity   models.Decimal // how much went along this edge; the batch's quantity for the root
	Unit       string
	Lineage    models.LineageKind
	Heat       string
	Lot        string
	ProducedOn string
	// Repeat marks a batch shown earlier in the tree (a diamond: concrete
	// from two lots of one cement); it is not expanded again.
	Repeat bool
	Usage  *models.Usage // set on usage rows
}

// Indent is the row's indentation class, capped so deep trees stay
// readable on a phone.
func (r TreeRow) Indent() int { return min(r.Level, 12) }

// TreeRows lays a trace out as a depth-first tree from its root: backward
// through parents, forward through children with each batch's usages
// under it.
func TreeRows(tr *store.Trace, forward bool, n Names) []TreeRow {
	nodes := make(map[string]store.TraceNode, len(tr.Nodes))
	for _, nd := range tr.Nodes {
		nodes[nd.Code] = nd
	}
	next := map[string][]store.TraceEdge{}
	for _, e := range tr.Edges {
		from := e.Child
		if forward {
			from = e.Parent
		}
		next[from] = append(next[from], e)
	}
	usages := map[string][]models.Usage{}
	for _, u := range tr.Usages {
		usages[u.BatchCode] = append(usages[u.BatchCode], u)
	}
	var rows []TreeRow
	shown := map[string]bool{}
	var visit func(code, via string, level int, qty models.Decimal, kind models.LineageKind)
	visit = func(code, via string, level int, qty models.Decimal, kind models.LineageKind) {
		nd := nodes[code]
		row := TreeRow{Level: level, Code: code, Via: via, Product: n.Product(nd.ProductID), Producer: n.Org(nd.Producer),
			Custodian: n.Org(nd.Custodian), Status: nd.Status, Quantity: qty, Unit: nd.Unit, Lineage: kind,
			Heat: nd.HeatNumber, Lot: nd.LotNumber, ProducedOn: nd.ProducedOn, Repeat: shown[code]}
		rows = append(rows, row)
		if row.Repeat {
			return
		}
		shown[code] = true
		for i := range usages[code] {
			u := usages[code][i]
			rows = append(rows, TreeRow{Level: level + 1, Code: code, Via: code, Custodian: n.Org(u.Contractor), Quantity: u.Quantity, Unit: u.Unit, Usage: &u})
		}
		for _, e := range next[code] {
			to := e.Parent
			if forward {
				to = e.Child
			}
			visit(to, code, level+1, e.Quantity, e.Kind)
		}
	}
	root := nodes[tr.Root]
	visit(tr.Root, "", 0, root.Quantity, root.Lineage)
	return rows
}

// CSV returns the row as CSV fields: direction, level, batch, via, product,
// producer, custodian, status, quantity, unit, lineage, heat, lot, produced
// on, project, building, floor, element, used at, repeat, usage, tx.
func (r TreeRow) CSV(direction string) []string {
	level := strconv.Itoa(r.Level)
	if r.Usage != nil {
		u := r.Usage
		return []string{direction, level, r.Code, r.Via, "", "", r.Custodian, "used", u.Quantity.String(), u.Unit, "", "", "", "",
			u.Location.Project, u.Location.Building, u.Location.Floor, u.Location.Element, u.UsedAt, "", u.ID, u.TxID}
	}
	repeat := ""
	if r.Repeat {
		repeat = "yes"
	}
	return []string{direction, level, r.Code, r.Via, r.Product, r.Producer, r.Custodian, string(r.Status), r.Quantity.String(), r.Unit,
		string(r.Lineage), r.Heat, r.Lot, r.ProducedOn, "", "", "", "", "", repeat, "", ""}
}

// TreeBranch is a batch of the collapsible tree (<details>) with what it
// came from or went into below it, and its usages grouped per building.
type TreeBranch struct {
	TreeRow
	Children []*TreeBranch
	Groups   []*UsageGroup
}

// UsageGroup is the usages of one batch in one building: one box of the
// graph, one collapsed list of the tree.
type UsageGroup struct {
	Anchor   string // the fragment the graph's box links to
	Project  string
	Building string
	Usages   []TreeRow
	Quantity models.Decimal
	Unit     string
}

// Open reports whether the branch starts unfolded: the first two levels.
func (b *TreeBranch) Open() bool { return b.Level < 2 }

// branches nests the depth-first rows of TreeRows into a tree.
func Branches(rows []TreeRow) *TreeBranch {
	var root *TreeBranch
	var stack []*TreeBranch // stack[i] is the open branch at level i
	for _, r := range rows {
		if r.Usage != nil {
			if r.Level == 0 || r.Level > len(stack) {
				continue
			}
			b := stack[r.Level-1]
			loc := r.Usage.Location
			var g *UsageGroup
			for _, x := range b.Groups {
				if x.Project == loc.Project && x.Building == loc.Building {
					g = x
				}
			}
			if g == nil {
				g = &UsageGroup{Anchor: UsageAnchor(r.Code, loc.Project, loc.Building), Project: loc.Project, Building: loc.Building, Unit: r.Unit}
				b.Groups = append(b.Groups, g)
			}
			g.Usages = append(g.Usages, r)
			g.Quantity, _ = g.Quantity.Add(r.Quantity)
			continue
		}
		nb := &TreeBranch{TreeRow: r}
		if r.Level == 0 {
			root, stack = nb, []*TreeBranch{nb}
			continue
		}
		if r.Level > len(stack) {
			continue
		}
		stack = stack[:r.Level]
		stack[r.Level-1].Children = append(stack[r.Level-1].Children, nb)
		stack = append(stack, nb)
	}
	return root
}

// UsageAnchor is the page fragment of one batch's usages in one building,
// which the graph's usage box links to.
func UsageAnchor(code, project, building string) string {
	h := sha256.Sum256([]byte(UsageID(code, project, building)))
	return "uses-" + hex.EncodeToString(h[:6])
}

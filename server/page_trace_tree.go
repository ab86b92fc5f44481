package server

import (
	"strconv"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// treeRow is one line of a trace report: a batch reached (indented by its
// place in the tree) or, in a forward trace, a place a batch was used.
type treeRow struct {
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
func (r treeRow) Indent() int { return min(r.Level, 12) }

// treeRows lays a trace out as a depth-first tree from its root: backward
// through parents, forward through children with each batch's usages
// under it.
func treeRows(tr *store.Trace, forward bool, n names) []treeRow {
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
	var rows []treeRow
	shown := map[string]bool{}
	var visit func(code, via string, level int, qty models.Decimal, kind models.LineageKind)
	visit = func(code, via string, level int, qty models.Decimal, kind models.LineageKind) {
		nd := nodes[code]
		row := treeRow{Level: level, Code: code, Via: via, Product: n.Product(nd.ProductID), Producer: n.Org(nd.Producer),
			Custodian: n.Org(nd.Custodian), Status: nd.Status, Quantity: qty, Unit: nd.Unit, Lineage: kind,
			Heat: nd.HeatNumber, Lot: nd.LotNumber, ProducedOn: nd.ProducedOn, Repeat: shown[code]}
		rows = append(rows, row)
		if row.Repeat {
			return
		}
		shown[code] = true
		for i := range usages[code] {
			u := usages[code][i]
			rows = append(rows, treeRow{Level: level + 1, Code: code, Via: code, Custodian: n.Org(u.Contractor), Quantity: u.Quantity, Unit: u.Unit, Usage: &u})
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

// csv returns the row as CSV fields (see traceCSV's header).
func (r treeRow) csv(direction string) []string {
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

// treeBranch is a batch of the collapsible tree (<details>) with what it
// came from or went into below it, and its usages grouped per building.
type treeBranch struct {
	treeRow
	Children []*treeBranch
	Groups   []*usageGroup
}

// usageGroup is the usages of one batch in one building: one box of the
// graph, one collapsed list of the tree.
type usageGroup struct {
	Anchor   string // the fragment the graph's box links to
	Project  string
	Building string
	Usages   []treeRow
	Quantity models.Decimal
	Unit     string
}

// Open reports whether the branch starts unfolded: the first two levels.
func (b *treeBranch) Open() bool { return b.Level < 2 }

// branches nests the depth-first rows of treeRows into a tree.
func branches(rows []treeRow) *treeBranch {
	var root *treeBranch
	var stack []*treeBranch // stack[i] is the open branch at level i
	for _, r := range rows {
		if r.Usage != nil {
			if r.Level == 0 || r.Level > len(stack) {
				continue
			}
			b := stack[r.Level-1]
			loc := r.Usage.Location
			var g *usageGroup
			for _, x := range b.Groups {
				if x.Project == loc.Project && x.Building == loc.Building {
					g = x
				}
			}
			if g == nil {
				g = &usageGroup{Anchor: usageAnchor(r.Code, loc.Project, loc.Building), Project: loc.Project, Building: loc.Building, Unit: r.Unit}
				b.Groups = append(b.Groups, g)
			}
			g.Usages = append(g.Usages, r)
			g.Quantity, _ = g.Quantity.Add(r.Quantity)
			continue
		}
		nb := &treeBranch{treeRow: r}
		if r.Level == 0 {
			root, stack = nb, []*treeBranch{nb}
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

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
			rows = append(rows, treeRow{Level: level + 1, Code: code, Via: code, Quantity: u.Quantity, Unit: u.Unit, Usage: &u})
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
		return []string{direction, level, r.Code, r.Via, "", "", u.Contractor, "used", u.Quantity.String(), u.Unit, "", "", "", "",
			u.Location.Project, u.Location.Building, u.Location.Floor, u.Location.Element, u.UsedAt}
	}
	return []string{direction, level, r.Code, r.Via, r.Product, r.Producer, r.Custodian, string(r.Status), r.Quantity.String(), r.Unit,
		string(r.Lineage), r.Heat, r.Lot, r.ProducedOn, "", "", "", "", ""}
}

// Package report turns traces of the read model into reports: a layered
// graph of a trace, drawn as SVG for the web and with PDF primitives for
// the printed report, and the PDF report itself. It reads nothing: callers
// hand it traces from internal/store and the names to show.
package report

import (
	"cmp"
	"net/url"
	"slices"
	"strings"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// NodeKind says what a graph node stands for.
type NodeKind string

// Node kinds.
const (
	KindBatch NodeKind = "batch" // a batch the trace reached
	KindUsage NodeKind = "usage" // the usages of one batch in one building
)

// Node is a box of the graph. Layer is its signed distance from the root
// batch: negative for origins (backward), positive for what was made from
// it and where it went (forward); the root is layer 0.
type Node struct {
	ID    string   `json:"id"`
	Kind  NodeKind `json:"kind"`
	Layer int      `json:"layer"`
	Root  bool     `json:"root,omitempty"`
	// Code is the batch's code; for a usage group, the batch used.
	Code       string             `json:"code"`
	Product    string             `json:"product,omitempty"`
	Producer   string             `json:"producer,omitempty"`
	Status     models.BatchStatus `json:"status,omitempty"`
	Quantity   models.Decimal     `json:"quantity"`
	Unit       string             `json:"unit"`
	HeatNumber string             `json:"heat_number,omitempty"`
	// A usage group: Project and Building, the floors (in the order first
	// recorded), how many usages and which elements.
	Project  string   `json:"project,omitempty"`
	Building string   `json:"building,omitempty"`
	Floors   []string `json:"floors,omitempty"`
	Elements []string `json:"elements,omitempty"`
	Count    int      `json:"count,omitempty"`
}

// Edge is an arrow of the graph, always in the direction material moved:
// Quantity of From went into To (a batch, or a usage group).
type Edge struct {
	From     string             `json:"from"`
	To       string             `json:"to"`
	Quantity models.Decimal     `json:"quantity"`
	Unit     string             `json:"unit"`
	Kind     models.LineageKind `json:"kind,omitempty"` // "" for usage
}

// Graph is one batch's trace, backward, forward or both, with the usages
// grouped per batch and building (so 1,000 usages on 40 floors of two
// buildings make two boxes, each with its count).
type Graph struct {
	Root  string `json:"root"`
	Nodes []Node `json:"nodes"` // by layer, then code, then building
	Edges []Edge `json:"edges"` // by the order of From, then To
	// Usages counts the usages behind the usage groups.
	Usages int `json:"usages"`
	// Truncated is set when a trace stopped at its depth.
	Truncated bool `json:"truncated,omitempty"`
}

// Names gives the display names of organizations and products.
type Names interface {
	Org(id string) string
	Product(id string) string
}

// BatchID and UsageID are the node IDs of a batch and a usage group.
func BatchID(code string) string { return "b:" + code }

// UsageID is the node ID of the usages of batch code in a building.
func UsageID(code, project, building string) string {
	return "u:" + url.QueryEscape(code) + "|" + url.QueryEscape(project) + "|" + url.QueryEscape(building)
}

// New builds the graph of a backward trace, a forward trace, or both (nil
// for a direction not asked for) of one root batch. Usages the viewer may
// not see must already be left out of fwd.
func New(back, fwd *store.Trace, n Names) *Graph {
	g := &Graph{Nodes: []Node{}, Edges: []Edge{}}
	idx := map[string]int{}
	add := func(nd Node) {
		if _, ok := idx[nd.ID]; ok {
			return
		}
		idx[nd.ID] = len(g.Nodes)
		g.Nodes = append(g.Nodes, nd)
	}
	for _, part := range []struct {
		tr   *store.Trace
		sign int
	}{{back, -1}, {fwd, 1}} {
		tr := part.tr
		if tr == nil {
			continue
		}
		g.Root = tr.Root
		g.Truncated = g.Truncated || tr.Truncated
		units := map[string]string{}
		for _, tn := range tr.Nodes {
			units[tn.Code] = tn.Unit
			add(Node{ID: BatchID(tn.Code), Kind: KindBatch, Layer: part.sign * tn.Depth, Root: tn.Depth == 0, Code: tn.Code,
				Product: n.Product(tn.ProductID), Producer: n.Org(tn.Producer), Status: tn.Status,
				Quantity: tn.Quantity, Unit: tn.Unit, HeatNumber: tn.HeatNumber})
		}
		for _, e := range tr.Edges {
			g.Edges = append(g.Edges, Edge{From: BatchID(e.Parent), To: BatchID(e.Child), Quantity: e.Quantity, Unit: units[e.Parent], Kind: e.Kind})
		}
		g.addUsages(tr, idx)
	}
	g.sort()
	return g
}

// addUsages groups the usages of a forward trace per batch and building.
func (g *Graph) addUsages(tr *store.Trace, idx map[string]int) {
	edge := map[string]int{}
	for _, u := range tr.Usages {
		b, ok := idx[BatchID(u.BatchCode)]
		if !ok {
			continue
		}
		g.Usages++
		id := UsageID(u.BatchCode, u.Location.Project, u.Location.Building)
		i, ok := idx[id]
		if !ok {
			i = len(g.Nodes)
			idx[id] = i
			g.Nodes = append(g.Nodes, Node{ID: id, Kind: KindUsage, Layer: g.Nodes[b].Layer + 1, Code: u.BatchCode,
				Unit: u.Unit, Project: u.Location.Project, Building: u.Location.Building})
			edge[id] = len(g.Edges)
			g.Edges = append(g.Edges, Edge{From: BatchID(u.BatchCode), To: id, Unit: u.Unit})
		}
		nd := &g.Nodes[i]
		nd.Count++
		nd.Quantity, _ = nd.Quantity.Add(u.Quantity)
		if !slices.Contains(nd.Floors, u.Location.Floor) && u.Location.Floor != "" {
			nd.Floors = append(nd.Floors, u.Location.Floor)
		}
		if !slices.Contains(nd.Elements, u.Location.Element) {
			nd.Elements = append(nd.Elements, u.Location.Element)
		}
		e := &g.Edges[edge[id]]
		e.Quantity, _ = e.Quantity.Add(u.Quantity)
	}
}

// sort puts nodes and edges in their documented order, so that the same
// trace always gives the same graph.
func (g *Graph) sort() {
	slices.SortStableFunc(g.Nodes, func(a, b Node) int {
		return cmp.Or(cmp.Compare(a.Layer, b.Layer), cmp.Compare(a.Kind, b.Kind), strings.Compare(a.Code, b.Code),
			strings.Compare(a.Project, b.Project), strings.Compare(a.Building, b.Building))
	})
	pos := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		pos[n.ID] = i
	}
	slices.SortStableFunc(g.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(pos[a.From], pos[b.From]), cmp.Compare(pos[a.To], pos[b.To]))
	})
}

// Node returns the node with the ID, if there is one.
func (g *Graph) Node(id string) (Node, bool) {
	for _, n := range g.Nodes {
		if n.ID == id {
			return n, true
		}
	}
	return Node{}, false
}

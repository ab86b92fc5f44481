package report

import (
	"cmp"
	"slices"
)

// Layout sizes, in SVG user units (CSS pixels at scale 1).
const (
	NodeW   = 200.0 // a box's width
	NodeH   = 58.0  // a box's height
	ColGap  = 96.0  // between layers, room for the edge labels
	RowGap  = 14.0  // between boxes of one layer
	Margin  = 16.0  // around the drawing
	colStep = NodeW + ColGap
	rowStep = NodeH + RowGap
)

// Box is a node placed: its top-left corner.
type Box struct {
	Node
	X, Y float64
}

// Layout is a graph placed on a plane: one column per layer, origins on
// the left, the root, then what was made from it and where it went on the
// right.
type Layout struct {
	Graph  *Graph
	Boxes  []Box // in the order of Graph.Nodes
	Width  float64
	Height float64
	at     map[string]int
}

// Box returns the placed node with the ID.
func (l *Layout) Box(id string) (Box, bool) {
	i, ok := l.at[id]
	if !ok {
		return Box{}, false
	}
	return l.Boxes[i], true
}

// Place lays the graph out in layers by depth. Within a layer, boxes are
// ordered by the mean row of the boxes they are connected to in the layer
// nearer the root (so a batch sits next to what it came from or went
// into), then by kind, code and building: the same graph always gives the
// same picture. Each column is centred on the tallest.
func Place(g *Graph) *Layout {
	l := &Layout{Graph: g, Boxes: make([]Box, len(g.Nodes)), at: make(map[string]int, len(g.Nodes))}
	if len(g.Nodes) == 0 {
		l.Width, l.Height = 2*Margin+NodeW, 2*Margin+NodeH
		return l
	}
	layers := map[int][]int{}
	lo, hi := 0, 0
	for i, n := range g.Nodes {
		l.at[n.ID] = i
		l.Boxes[i].Node = n
		layers[n.Layer] = append(layers[n.Layer], i)
		lo, hi = min(lo, n.Layer), max(hi, n.Layer)
	}
	// Neighbours nearer the root, for each node.
	nearer := make([][]int, len(g.Nodes))
	for _, e := range g.Edges {
		f, okf := l.at[e.From]
		t, okt := l.at[e.To]
		if !okf || !okt {
			continue
		}
		lf, lt := g.Nodes[f].Layer, g.Nodes[t].Layer
		switch {
		case abs(lf) < abs(lt):
			nearer[t] = append(nearer[t], f)
		case abs(lt) < abs(lf):
			nearer[f] = append(nearer[f], t)
		}
	}
	row := make([]float64, len(g.Nodes))
	order := func(layer int) {
		ids := layers[layer]
		key := make(map[int]float64, len(ids))
		for _, i := range ids {
			if len(nearer[i]) == 0 {
				key[i] = -1
				continue
			}
			var sum float64
			for _, j := range nearer[i] {
				sum += row[j]
			}
			key[i] = sum / float64(len(nearer[i]))
		}
		// g.Nodes is already sorted by kind, code and building, so a
		// stable sort on the mean keeps that order for ties.
		slices.SortStableFunc(ids, func(a, b int) int { return cmp.Compare(key[a], key[b]) })
		for r, i := range ids {
			row[i] = float64(r)
		}
	}
	order(0)
	for k := 1; k <= max(hi, -lo); k++ {
		if k <= hi {
			order(k)
		}
		if -k >= lo {
			order(-k)
		}
	}
	tallest := 0
	for _, ids := range layers {
		tallest = max(tallest, len(ids))
	}
	for layer, ids := range layers {
		top := Margin + float64(tallest-len(ids))*rowStep/2
		for _, i := range ids {
			l.Boxes[i].X = Margin + float64(layer-lo)*colStep
			l.Boxes[i].Y = top + row[i]*rowStep
		}
	}
	l.Width = 2*Margin + float64(hi-lo)*colStep + NodeW
	l.Height = 2*Margin + float64(tallest)*rowStep - RowGap
	return l
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

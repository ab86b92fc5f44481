package store

import (
	"context"
	"fmt"
	"sort"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/models"
)

// Trace depth limits.
const (
	DefaultTraceDepth = 32  // the depth a trace goes to when asked for 0
	MaxTraceDepth     = 256 // the deepest a trace goes, whatever is asked
)

// TraceNode is a batch a trace reached, Depth lineage steps from its root
// (the root itself has depth 0).
type TraceNode struct {
	Code       string             `json:"code"`
	Depth      int                `json:"depth"`
	ProductID  string             `json:"product_id"`
	Producer   string             `json:"producer"`
	Custodian  string             `json:"custodian"`
	Status     models.BatchStatus `json:"status"`
	Quantity   models.Decimal     `json:"quantity"`
	Remaining  models.Decimal     `json:"remaining"`
	Unit       string             `json:"unit"`
	HeatNumber string             `json:"heat_number,omitempty"`
	LotNumber  string             `json:"lot_number,omitempty"`
	ProducedOn string             `json:"produced_on"`
	Lineage    models.LineageKind `json:"lineage,omitempty"`
}

// TraceEdge is a lineage edge a trace crossed: Quantity of Parent went into
// Child. Depth is the depth of the edge's far end from the trace's root.
type TraceEdge struct {
	Parent   string             `json:"parent"`
	Child    string             `json:"child"`
	Quantity models.Decimal     `json:"quantity"`
	Kind     models.LineageKind `json:"kind"`
	Depth    int                `json:"depth"`
}

// Trace is the part of the lineage graph reachable from one batch.
type Trace struct {
	Root     string      `json:"root"`
	MaxDepth int         `json:"max_depth"`
	Nodes    []TraceNode `json:"nodes"` // by depth, then code; the root first
	Edges    []TraceEdge `json:"edges"` // by depth, then parent, then child
	// Usages are where the root and every batch reached went into the
	// works (Forward only), by batch code, then in the order recorded.
	Usages []models.Usage `json:"usages,omitempty"`
	// Truncated is set when the graph goes on beyond MaxDepth.
	Truncated bool `json:"truncated,omitempty"`
}

// The walks. UNION (not UNION ALL) drops repeated rows, and the depth bound
// ends the recursion even when the graph has a cycle.
const (
	backwardSQL = `WITH RECURSIVE walk(parent, child, pos, quantity, kind, depth) AS (
  SELECT parent, child, pos, quantity, kind, 1 FROM rm_lineage_edges WHERE child = ?
  UNION
  SELECT e.parent, e.child, e.pos, e.quantity, e.kind, w.depth + 1
  FROM walk w JOIN rm_lineage_edges e ON e.child = w.parent WHERE w.depth < ?
)
SELECT parent, child, quantity, kind, MIN(depth) AS depth FROM walk GROUP BY parent, child, pos, quantity, kind`
	forwardSQL = `WITH RECURSIVE walk(parent, child, pos, quantity, kind, depth) AS (
  SELECT parent, child, pos, quantity, kind, 1 FROM rm_lineage_edges WHERE parent = ?
  UNION
  SELECT e.parent, e.child, e.pos, e.quantity, e.kind, w.depth + 1
  FROM walk w JOIN rm_lineage_edges e ON e.parent = w.child WHERE w.depth < ?
)
SELECT parent, child, quantity, kind, MIN(depth) AS depth FROM walk GROUP BY parent, child, pos, quantity, kind`
)

// Backward traces the batch code back to every origin it came from, across
// splits, merges and transformations (concrete → cement and aggregate; cut
// bars → coil → heat), up to maxDepth steps (DefaultTraceDepth when 0).
func (s *Store) Backward(ctx context.Context, code string, maxDepth int) (Trace, error) {
	return s.trace(ctx, code, maxDepth, false)
}

// Forward traces the batch code to every batch made from it and every place
// any of them went into the works, up to maxDepth steps (DefaultTraceDepth
// when 0).
func (s *Store) Forward(ctx context.Context, code string, maxDepth int) (Trace, error) {
	return s.trace(ctx, code, maxDepth, true)
}

func (s *Store) trace(ctx context.Context, code string, maxDepth int, forward bool) (Trace, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultTraceDepth
	}
	maxDepth = min(maxDepth, MaxTraceDepth)
	t := Trace{Root: code, MaxDepth: maxDepth, Edges: []TraceEdge{}}
	db := s.db.WithContext(ctx)
	query := backwardSQL
	if forward {
		query = forwardSQL
	}
	if err := db.Raw(query, code, maxDepth).Scan(&t.Edges).Error; err != nil {
		return Trace{}, fmt.Errorf("trace batch %s: %w", code, dbErr(err))
	}
	sort.Slice(t.Edges, func(i, j int) bool {
		a, b := t.Edges[i], t.Edges[j]
		if a.Depth != b.Depth {
			return a.Depth < b.Depth
		}
		if a.Parent != b.Parent {
			return a.Parent < b.Parent
		}
		return a.Child < b.Child
	})
	depth := map[string]int{code: 0}
	codes := []string{code}
	var frontier []string
	for _, e := range t.Edges {
		far := e.Parent
		if forward {
			far = e.Child
		}
		if _, seen := depth[far]; !seen {
			depth[far] = e.Depth
			codes = append(codes, far)
			if e.Depth == maxDepth {
				frontier = append(frontier, far)
			}
		}
	}
	nodes, err := traceNodes(db, codes, depth)
	if err != nil {
		return Trace{}, err
	}
	if len(nodes) == 0 || nodes[0].Code != code {
		return Trace{}, models.NotFound("", "batch %q does not exist", code)
	}
	t.Nodes = nodes
	if t.Truncated, err = goesOn(db, frontier, forward); err != nil {
		return Trace{}, err
	}
	if forward {
		if t.Usages, err = usagesOf(db, codes); err != nil {
			return Trace{}, err
		}
	}
	return t, nil
}

// traceNodes loads the batches codes, ordered by depth and code.
func traceNodes(db *gorm.DB, codes []string, depth map[string]int) ([]TraceNode, error) {
	nodes := make([]TraceNode, 0, len(codes))
	for start := 0; start < len(codes); start += inChunk {
		var rs []batchRow
		end := min(start+inChunk, len(codes))
		if err := db.Where("code IN ?", codes[start:end]).Find(&rs).Error; err != nil {
			return nil, fmt.Errorf("load traced batches: %w", dbErr(err))
		}
		for _, r := range rs {
			nodes = append(nodes, TraceNode{Code: r.Code, Depth: depth[r.Code], ProductID: r.ProductID, Producer: r.Producer,
				Custodian: r.Custodian, Status: models.BatchStatus(r.Status), Quantity: models.Decimal(r.Quantity),
				Remaining: models.Decimal(r.Remaining), Unit: r.Unit, HeatNumber: r.HeatNumber, LotNumber: r.LotNumber,
				ProducedOn: r.ProducedOn, Lineage: models.LineageKind(r.Lineage)})
		}
	}
	sort.Slice(nodes, func(i, j int) bool {
		if nodes[i].Depth != nodes[j].Depth {
			return nodes[i].Depth < nodes[j].Depth
		}
		return nodes[i].Code < nodes[j].Code
	})
	return nodes, nil
}

// goesOn reports whether any batch of frontier has an edge onward.
func goesOn(db *gorm.DB, frontier []string, forward bool) (bool, error) {
	col := "child"
	if forward {
		col = "parent"
	}
	for start := 0; start < len(frontier); start += inChunk {
		end := min(start+inChunk, len(frontier))
		var rids []int64
		if err := db.Model(&edgeRow{}).Select("rid").Where(col+" IN ?", frontier[start:end]).Limit(1).Find(&rids).Error; err != nil {
			return false, fmt.Errorf("look past trace depth: %w", dbErr(err))
		}
		if len(rids) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// usagesOf loads the usages of codes, by batch code and then as recorded.
func usagesOf(db *gorm.DB, codes []string) ([]models.Usage, error) {
	var rs []usageRow
	for start := 0; start < len(codes); start += inChunk {
		var part []usageRow
		end := min(start+inChunk, len(codes))
		if err := db.Where("batch_code IN ?", codes[start:end]).Find(&part).Error; err != nil {
			return nil, fmt.Errorf("load usages of traced batches: %w", dbErr(err))
		}
		rs = append(rs, part...)
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].BatchCode != rs[j].BatchCode {
			return rs[i].BatchCode < rs[j].BatchCode
		}
		return rs[i].RID < rs[j].RID
	})
	out := make([]models.Usage, len(rs))
	for i := range rs {
		out[i] = usageFromRow(&rs[i])
	}
	return out, nil
}

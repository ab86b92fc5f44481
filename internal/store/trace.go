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

// walkSQL returns the query of a trace: a recursive walk along the lineage
// edges (UNION, not UNION ALL, drops repeated rows, and the depth bound ends
// the recursion even when the graph has a cycle), each edge crossed with
// its smallest depth and the batch at its far end, plus one row for the
// root batch itself; one round trip for the whole graph.
func walkSQL(forward bool) string {
	near, far := "child", "parent"
	if forward {
		near, far = "parent", "child"
	}
	const cols = `COALESCE(b.code, ''), COALESCE(b.product_id, ''), COALESCE(b.producer, ''), COALESCE(b.custodian, ''),
  COALESCE(b.status, ''), COALESCE(b.quantity, 0), COALESCE(b.remaining, 0), COALESCE(b.unit, ''),
  COALESCE(b.heat_number, ''), COALESCE(b.lot_number, ''), COALESCE(b.produced_on, ''), COALESCE(b.lineage, '')`
	return fmt.Sprintf(`WITH RECURSIVE walk(parent, child, pos, quantity, kind, depth) AS (
  SELECT parent, child, pos, quantity, kind, 1 FROM rm_lineage_edges WHERE %[1]s = ?
  UNION
  SELECT e.parent, e.child, e.pos, e.quantity, e.kind, w.depth + 1
  FROM walk w JOIN rm_lineage_edges e ON e.%[1]s = w.%[2]s WHERE w.depth < ?
), crossed AS (
  SELECT parent, child, quantity, kind, MIN(depth) AS depth FROM walk GROUP BY parent, child, pos, quantity, kind
)
SELECT 0 AS is_root, c.parent, c.child, c.quantity, c.kind, c.depth, %[3]s
FROM crossed c LEFT JOIN rm_batches b ON b.code = c.%[2]s
UNION ALL
SELECT 1, '', '', 0, '', 0, %[3]s FROM rm_batches b WHERE b.code = ?`, near, far, cols)
}

// walkQueries are the backward and forward trace queries.
var walkQueries = [2]string{walkSQL(false), walkSQL(true)}

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
	query := walkQueries[0]
	if forward {
		query = walkQueries[1]
	}
	nodes, err := walk(db, &t, query, forward)
	if err != nil {
		return Trace{}, fmt.Errorf("trace batch %s: %w", code, err)
	}
	if _, ok := nodes[code]; !ok {
		return Trace{}, models.NotFound("", "batch %q does not exist", code)
	}
	codes := make([]string, 0, len(nodes))
	var frontier []string
	for c, n := range nodes {
		t.Nodes = append(t.Nodes, n)
		codes = append(codes, c)
		if n.Depth == maxDepth {
			frontier = append(frontier, c)
		}
	}
	sort.Slice(t.Nodes, func(i, j int) bool {
		if t.Nodes[i].Depth != t.Nodes[j].Depth {
			return t.Nodes[i].Depth < t.Nodes[j].Depth
		}
		return t.Nodes[i].Code < t.Nodes[j].Code
	})
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
	sort.Strings(frontier)
	if t.Truncated, err = goesOn(db, frontier, forward); err != nil {
		return Trace{}, err
	}
	if forward {
		sort.Strings(codes)
		if t.Usages, err = usagesOf(db, codes); err != nil {
			return Trace{}, err
		}
	}
	return t, nil
}

// walk runs a trace query, appending the edges crossed to t and returning
// every batch reached (the root included) at its smallest depth.
func walk(db *gorm.DB, t *Trace, query string, forward bool) (map[string]TraceNode, error) {
	rows, err := db.Raw(query, t.Root, t.MaxDepth, t.Root).Rows()
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	nodes := map[string]TraceNode{}
	for rows.Next() {
		var (
			isRoot int
			e      TraceEdge
			n      TraceNode
		)
		err := rows.Scan(&isRoot, &e.Parent, &e.Child, &e.Quantity, &e.Kind, &e.Depth,
			&n.Code, &n.ProductID, &n.Producer, &n.Custodian, &n.Status, &n.Quantity, &n.Remaining, &n.Unit,
			&n.HeatNumber, &n.LotNumber, &n.ProducedOn, &n.Lineage)
		if err != nil {
			return nil, dbErr(err)
		}
		if isRoot == 0 {
			t.Edges = append(t.Edges, e)
			n.Code, n.Depth = e.Parent, e.Depth // the far end, even if its row is missing
			if forward {
				n.Code = e.Child
			}
		}
		if old, seen := nodes[n.Code]; !seen || n.Depth < old.Depth {
			nodes[n.Code] = n
		}
	}
	return nodes, dbErr(rows.Err())
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

// usagesOf loads the usages of codes (sorted), by batch code and then as
// recorded. It scans rows itself rather than through gorm: a forward
// trace can reach thousands of usages, and gorm's reflection per row was
// two thirds of such a trace's time.
func usagesOf(db *gorm.DB, codes []string) ([]models.Usage, error) {
	out := []models.Usage{}
	for start := 0; start < len(codes); start += inChunk {
		end := min(start+inChunk, len(codes))
		rows, err := db.Raw(`SELECT id, batch_code, quantity, unit, project, building, floor, element, contractor, user_id, used_at, tx_id
FROM rm_usages WHERE batch_code IN ? ORDER BY batch_code, rid`, codes[start:end]).Rows()
		if err != nil {
			return nil, fmt.Errorf("load usages of traced batches: %w", dbErr(err))
		}
		for rows.Next() {
			var u models.Usage
			var qty int64
			l := &u.Location
			if err := rows.Scan(&u.ID, &u.BatchCode, &qty, &u.Unit, &l.Project, &l.Building, &l.Floor, &l.Element,
				&u.Contractor, &u.User, &u.UsedAt, &u.TxID); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load usages of traced batches: %w", dbErr(err))
			}
			u.Quantity = models.Decimal(qty)
			out = append(out, u)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("load usages of traced batches: %w", dbErr(err))
		}
	}
	return out, nil
}

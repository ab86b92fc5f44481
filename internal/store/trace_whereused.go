package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/models"
)

// WhereUsedFilter picks the batches a where-used search starts from and
// the usages it keeps. At least one field must be set.
type WhereUsedFilter struct {
	ProductID  string // batches of this product
	Producer   string // batches this organization produced (the supplier)
	HeatNumber string // batches of this heat
	// ProducedFrom and ProducedTo (inclusive, YYYY-MM-DD) keep batches
	// produced in that range.
	ProducedFrom, ProducedTo string
	// UsedFrom and UsedTo (inclusive, YYYY-MM-DD) keep usages recorded in
	// that range. Given alone, without any batch field above, the search
	// starts from the batches used in that range.
	UsedFrom, UsedTo string
}

// Limits of a where-used search.
const (
	// MaxWhereUsedRoots is how many batches a search may start from; a
	// filter matching more must be narrowed.
	MaxWhereUsedRoots = 5000
	// MaxWhereUsed is how many usages a search returns at most; Total
	// still counts them all.
	MaxWhereUsed = 10000
)

// WhereUsedRow is one place material went: a usage, the batch the search
// started from, and the batches between them (Path, from Root to the
// batch used; one element when the root itself was used).
type WhereUsedRow struct {
	Usage models.Usage `json:"usage"`
	Root  string       `json:"root"`
	Path  []string     `json:"path"`
	// ProductID is the product of the batch used.
	ProductID string `json:"product_id"`
}

// WhereUsed is a where-used search's answer: Rows (at most the limit
// asked, by date used, then usage ID) of Total usages found; Roots batches
// matched the search.
type WhereUsed struct {
	Rows  []WhereUsedRow `json:"rows"`
	Total int            `json:"total"`
	Roots int            `json:"roots"`
}

// rootWhere is the SQL condition on rm_batches (as b) of the filter's
// batch fields, with its arguments; "" when none is set.
func (f WhereUsedFilter) rootWhere(alias string) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v string) {
		if v != "" {
			conds = append(conds, alias+"."+cond)
			args = append(args, v)
		}
	}
	add("product_id = ?", f.ProductID)
	add("producer = ?", f.Producer)
	add("heat_number = ?", f.HeatNumber)
	add("produced_on >= ?", f.ProducedFrom)
	add("produced_on <= ?", f.ProducedTo)
	return strings.Join(conds, " AND "), args
}

// usedBounds are the used_at bounds of the filter: used_at is an RFC 3339
// timestamp, so the day after UsedTo is the exclusive upper bound.
func (f WhereUsedFilter) usedBounds() (from, to string, err error) {
	from, to = f.UsedFrom, f.UsedTo
	if to != "" {
		d, err := time.Parse(time.DateOnly, to)
		if err != nil {
			return "", "", models.Invalid("used_to", "%q is not a date (YYYY-MM-DD)", to)
		}
		to = d.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	return from, to, nil
}

// WhereUsed finds every usage of the batches the filter picks and of every
// batch made from them, across splits, merges and transformations (a heat
// → its coils → the bars cut from them → where each bar was built in): one
// recursive query from the matching roots, each usage reached once, by the
// longest path (from the earliest root it descends from). It returns at
// most limit rows (at most MaxWhereUsed; 0 means MaxWhereUsed) and the
// total. A filter matching more than MaxWhereUsedRoots batches is a
// models.Invalid error asking to narrow it.
func (s *Store) WhereUsed(ctx context.Context, f WhereUsedFilter, limit int) (WhereUsed, error) {
	if limit <= 0 || limit > MaxWhereUsed {
		limit = MaxWhereUsed
	}
	out := WhereUsed{Rows: []WhereUsedRow{}}
	where, args := f.rootWhere("b")
	usedFrom, usedTo, err := f.usedBounds()
	if err != nil {
		return out, err
	}
	var usedConds []string
	var usedArgs []any
	if usedFrom != "" {
		usedConds, usedArgs = append(usedConds, "u.used_at >= ?"), append(usedArgs, usedFrom)
	}
	if usedTo != "" {
		usedConds, usedArgs = append(usedConds, "u.used_at < ?"), append(usedArgs, usedTo)
	}
	// matching are the batches the filter picks; roots are those of them
	// whose parents it does not pick (a heat's coils and bars carry its
	// heat number too, but the walk from the heat reaches them anyway).
	var matching, roots string
	var rootArgs []any
	switch {
	case where != "":
		matching = "SELECT b.code FROM rm_batches b WHERE " + where
		parentWhere, parentArgs := f.rootWhere("p")
		roots = matching + " AND NOT EXISTS (SELECT 1 FROM rm_lineage_edges e JOIN rm_batches p ON p.code = e.parent WHERE e.child = b.code AND " + parentWhere + ")"
		rootArgs = append(append(rootArgs, args...), parentArgs...)
	case len(usedConds) > 0:
		matching = "SELECT DISTINCT u.batch_code AS code FROM rm_usages u WHERE " + strings.Join(usedConds, " AND ")
		args = append(args, usedArgs...)
		roots, rootArgs = matching, args
	default:
		return out, models.Invalid("", "choose a product, a supplier, a heat number or a date range")
	}
	db := s.db.WithContext(ctx)
	var n int64
	if err := db.Raw("SELECT COUNT(*) FROM ("+matching+") r", args...).Scan(&n).Error; err != nil {
		return out, fmt.Errorf("where used: count batches: %w", dbErr(err))
	}
	if n > MaxWhereUsedRoots {
		return out, models.Invalid("", "%d batches match; narrow the search to at most %d (add a supplier, a heat number or a date range)", n, MaxWhereUsedRoots)
	}
	out.Roots = int(n)
	if n == 0 {
		return out, nil
	}
	usedWhere := ""
	if len(usedConds) > 0 {
		usedWhere = " AND " + strings.Join(usedConds, " AND ")
	}
	// reach walks down from every root, one row per batch, root and depth
	// (UNION: not per path, of which a batch split and merged back n times
	// has 2^n); best keeps the deepest per batch, from the first root. The
	// paths of the rows returned are rebuilt afterwards (pathsOf). CROSS
	// JOIN makes SQLite drive the usage join from the walk's few rows (it
	// knows nothing of a CTE's size and would scan every usage); PostgreSQL
	// plans it as the inner join it is.
	q := `WITH RECURSIVE roots(code) AS (` + roots + `),
reach(root, code, depth) AS (
  SELECT code, code, 0 FROM roots
  UNION
  SELECT r.root, e.child, r.depth + 1
  FROM reach r JOIN rm_lineage_edges e ON e.parent = r.code WHERE r.depth < ?
),
best AS (
  SELECT root, code, depth, ROW_NUMBER() OVER (PARTITION BY code ORDER BY depth DESC, ` + s.orderKey("root") + `) AS rn FROM reach
)
SELECT u.id, u.batch_code, u.quantity, u.unit, u.project, u.building, u.floor, u.element, u.contractor, u.user_id, u.used_at, u.tx_id,
  r.root, r.depth, COALESCE(b.product_id, ''), COUNT(*) OVER () AS total
FROM best r CROSS JOIN rm_usages u LEFT JOIN rm_batches b ON b.code = r.code
WHERE r.rn = 1 AND u.batch_code = r.code` + usedWhere + ` ORDER BY u.used_at, ` + s.orderKey("u.id") + ` LIMIT ?`
	qargs := append(append(append([]any{}, rootArgs...), MaxTraceDepth), usedArgs...)
	rows, err := db.Raw(q, append(qargs, limit)...).Rows()
	if err != nil {
		return out, fmt.Errorf("where used: %w", dbErr(err))
	}
	defer rows.Close()
	var depths []int
	for rows.Next() {
		var r WhereUsedRow
		var qty int64
		var depth int
		u, l := &r.Usage, &r.Usage.Location
		if err := rows.Scan(&u.ID, &u.BatchCode, &qty, &u.Unit, &l.Project, &l.Building, &l.Floor, &l.Element, &u.Contractor, &u.User,
			&u.UsedAt, &u.TxID, &r.Root, &depth, &r.ProductID, &out.Total); err != nil {
			return out, fmt.Errorf("where used: %w", dbErr(err))
		}
		u.Quantity = models.Decimal(qty)
		out.Rows = append(out.Rows, r)
		depths = append(depths, depth)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("where used: %w", dbErr(err))
	}
	rows.Close()
	if err := pathsOf(db, out.Rows, depths); err != nil {
		return out, err
	}
	return out, nil
}

// reachKey is a batch reached from a root at a depth.
type reachKey struct {
	root, code string
	depth      int
}

// pathsOf fills the Path of each row: depths[i] steps from its Root down
// to the batch used, through the first parent (by code) at each step. It
// walks down from the rows' roots once more, again one row per batch,
// root and depth, and then back up from each batch used.
func pathsOf(db *gorm.DB, rows []WhereUsedRow, depths []int) error {
	var roots []string
	seen := map[string]bool{}
	deepest := 0
	for i, r := range rows {
		deepest = max(deepest, depths[i])
		if depths[i] > 0 && !seen[r.Root] {
			seen[r.Root] = true
			roots = append(roots, r.Root)
		}
	}
	parent := map[reachKey]string{}
	const q = `WITH RECURSIVE reach(root, code, parent, depth) AS (
  SELECT parent, child, parent, 1 FROM rm_lineage_edges WHERE parent IN ?
  UNION
  SELECT r.root, e.child, e.parent, r.depth + 1
  FROM reach r JOIN rm_lineage_edges e ON e.parent = r.code WHERE r.depth < ?
)
SELECT root, code, parent, depth FROM reach`
	for start := 0; start < len(roots); start += inChunk {
		end := min(start+inChunk, len(roots))
		rs, err := db.Raw(q, roots[start:end], deepest).Rows()
		if err != nil {
			return fmt.Errorf("where used: paths: %w", dbErr(err))
		}
		for rs.Next() {
			var k reachKey
			var p string
			if err := rs.Scan(&k.root, &k.code, &p, &k.depth); err != nil {
				rs.Close()
				return fmt.Errorf("where used: paths: %w", dbErr(err))
			}
			if old, ok := parent[k]; !ok || p < old {
				parent[k] = p
			}
		}
		err = rs.Err()
		rs.Close()
		if err != nil {
			return fmt.Errorf("where used: paths: %w", dbErr(err))
		}
	}
	for i := range rows {
		r := &rows[i]
		path := make([]string, depths[i]+1)
		k := reachKey{r.Root, r.Usage.BatchCode, depths[i]}
		for ; k.depth > 0; k.depth-- {
			path[k.depth] = k.code
			p, ok := parent[k]
			if !ok { // the lineage changed under the search: show the ends
				path = []string{r.Root, r.Usage.BatchCode}
				break
			}
			k.code = p
		}
		path[0] = r.Root
		r.Path = path
	}
	return nil
}

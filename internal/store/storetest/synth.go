// Package storetest builds synthetic read models for benchmarks: rows
// written straight into the read-model tables of a database opened (and
// migrated) by internal/store, much faster than projecting ledger events.
// Only tests and benchmarks import it.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx"
	"gorm.io/gorm"
)

// Synth builds a synthetic but realistic read model straight into the
// tables, much faster than projecting events: independent supply chains of
// two kinds, in turn.
//
//   - steel: a heat is split into 4 coils, each coil is shipped (dispatch
//     and receipt) and cut into 5 bars, each bar is used on site; every
//     batch carries the heat number. One chain in ten keeps splitting one
//     bar 8 more times, for 10 levels.
//   - concrete: a cement lot and an aggregate lot are each split into 4
//     deliveries, and each cement + aggregate pair is mixed into a
//     truckload of concrete that is used on site.
//
// Every step counts as one ledger event, with its event row and its
// event-batch index rows. Roots, leaves and deep leaves are kept for the
// benchmarks to trace.
type Synth struct {
	db       *sql.DB
	postgres bool
	tx       *sql.Tx
	buf      map[string]*pending
	heat     string // the heat number of the batches being written

	// Seq is the last event written.
	Seq uint64
	// Roots are origins (heats, cement and aggregate lots), Leaves the
	// batches used on site, Deep the leaves 10 lineage steps from their
	// origin.
	Roots, Leaves, Deep []string
}

type pending struct {
	cols string
	n    int // columns per row
	args []any
}

// synthColumns are the columns each table is filled with.
var synthColumns = map[string]string{
	"rm_batches":       "code, product_id, producer, quantity, remaining, unit, produced_on, owner, custodian, status, inspection, lineage, heat_number, tx_id, created_at, updated_tx, seq",
	"rm_lineage_edges": "parent, child, pos, quantity, kind, seq",
	"rm_usages":        "id, batch_code, quantity, unit, project, building, floor, element, contractor, user_id, used_at, tx_id, seq",
	"rm_events":        "seq, tx_id, type, org_id, user_id, role, time, args, block",
	"rm_event_batches": "batch_code, seq",
}

// NewSynth prepares to fill db, which internal/store has migrated.
func NewSynth(tb testing.TB, db *gorm.DB) *Synth {
	sqlDB, err := db.DB()
	if err != nil {
		tb.Fatal(err)
	}
	s := &Synth{db: sqlDB, postgres: db.Dialector.Name() == "postgres", buf: map[string]*pending{}}
	for t, cols := range synthColumns {
		s.buf[t] = &pending{cols: cols, n: strings.Count(cols, ",") + 1}
	}
	return s
}

// row queues one row of table.
func (s *Synth) row(table string, vals ...any) error {
	p := s.buf[table]
	p.args = append(p.args, vals...)
	if len(p.args)/p.n >= 500 {
		return s.flush(table)
	}
	return nil
}

func (s *Synth) flush(table string) error {
	p := s.buf[table]
	if len(p.args) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, p.cols)
	for i := 0; i < len(p.args); i++ {
		switch {
		case i%p.n == 0 && i > 0:
			b.WriteString("),(")
		case i%p.n == 0:
			b.WriteString("(")
		default:
			b.WriteString(",")
		}
		if s.postgres {
			fmt.Fprintf(&b, "$%d", i+1)
		} else {
			b.WriteString("?")
		}
	}
	b.WriteString(")")
	if _, err := s.tx.Exec(b.String(), p.args...); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	p.args = p.args[:0]
	return nil
}

var synthT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// event records one ledger event that touched batches.
func (s *Synth) event(typ, org string, batches ...string) (uint64, error) {
	s.Seq++
	err := s.row("rm_events", s.Seq, fmt.Sprintf("tx%d", s.Seq), typ, org, org+"-user", "operator",
		synthT0.Add(time.Duration(s.Seq)*time.Second), "{}", 0)
	for _, c := range batches {
		err = firstErr(err, s.row("rm_event_batches", c, s.Seq))
	}
	return s.Seq, err
}

// batch records a batch created by event seq, with its parents.
func (s *Synth) batch(seq uint64, code, product, org, lineage string, qty int64, parents ...string) error {
	err := s.row("rm_batches", code, product, org, qty*1000, qty*1000, "t", "2026-01-01", org, org, "available",
		"not_required", lineage, s.heat, fmt.Sprintf("tx%d", seq), "2026-01-01T00:00:00Z", fmt.Sprintf("tx%d", seq), seq)
	for i, p := range parents {
		err = firstErr(err, s.row("rm_lineage_edges", p, code, i, qty*1000, lineage, seq))
	}
	return err
}

// use records a usage of code.
func (s *Synth) use(code string, floor int) error {
	seq, err := s.event("RecordUsage", "buildco", code)
	return firstErr(err, s.row("rm_usages", fmt.Sprintf("tx%d", seq), code, 1000, "t", "Riverside", "B1",
		fmt.Sprintf("L%d", floor), "column C3", "buildco", "buildco-user", "2026-01-02T00:00:00Z", fmt.Sprintf("tx%d", seq), seq))
}

// steel adds steel chain i.
func (s *Synth) steel(i int) error {
	heat := fmt.Sprintf("H%06d", i)
	s.heat = heat // every coil and bar cut from the heat carries its number
	defer func() { s.heat = "" }()
	seq, err := s.event("CommissionBatch", "steelco", heat)
	err = firstErr(err, s.batch(seq, heat, "hrb400", "steelco", "", 100))
	s.Roots = append(s.Roots, heat)
	coils := []string{heat + "-C1", heat + "-C2", heat + "-C3", heat + "-C4"}
	seq, e := s.event("TransformBatches", "steelco", append([]string{heat}, coils...)...)
	err = firstErr(err, e)
	for _, c := range coils {
		err = firstErr(err, s.batch(seq, c, "hrb400", "steelco", "split", 25, heat))
	}
	for ci, c := range coils {
		_, e1 := s.event("DispatchShipment", "steelco", c)
		_, e2 := s.event("ReceiveShipment", "buildco", c)
		bars := make([]string, 5)
		for k := range bars {
			bars[k] = fmt.Sprintf("%s-B%d", c, k+1)
		}
		seq, e3 := s.event("TransformBatches", "buildco", append([]string{c}, bars...)...)
		err = firstErr(err, firstErr(e1, firstErr(e2, e3)))
		for k, b := range bars {
			err = firstErr(err, s.batch(seq, b, "hrb400", "buildco", "split", 5, c))
			leaf := b
			if i%10 == 0 && ci == 0 && k == 0 {
				for d := 1; d <= 8; d++ {
					next := fmt.Sprintf("%s.%d", leaf, d)
					seq, e := s.event("TransformBatches", "buildco", leaf, next)
					err = firstErr(err, firstErr(e, s.batch(seq, next, "hrb400", "buildco", "split", 5, leaf)))
					leaf = next
				}
				s.Deep = append(s.Deep, leaf)
			}
			s.Leaves = append(s.Leaves, leaf)
			err = firstErr(err, s.use(leaf, k))
		}
	}
	return err
}

// concrete adds concrete chain i.
func (s *Synth) concrete(i int) error {
	cem, agg := fmt.Sprintf("CEM%06d", i), fmt.Sprintf("AGG%06d", i)
	var err error
	for _, lot := range []string{cem, agg} {
		seq, e := s.event("CommissionBatch", "cemco", lot)
		err = firstErr(err, firstErr(e, s.batch(seq, lot, "cem425", "cemco", "", 400)))
		s.Roots = append(s.Roots, lot)
	}
	for k := 1; k <= 4; k++ {
		cd, ad, truck := fmt.Sprintf("%s.%d", cem, k), fmt.Sprintf("%s.%d", agg, k), fmt.Sprintf("CON%06d-%d", i, k)
		seq, e := s.event("DispatchShipment", "cemco", cem, cd, agg, ad)
		err = firstErr(err, firstErr(e, s.batch(seq, cd, "cem425", "cemco", "split", 100, cem)))
		err = firstErr(err, s.batch(seq, ad, "agg20", "quarry", "split", 100, agg))
		_, e = s.event("ReceiveShipment", "mixco", cd, ad)
		seq, e2 := s.event("TransformBatches", "mixco", cd, ad, truck)
		err = firstErr(err, firstErr(e, firstErr(e2, s.batch(seq, truck, "c30", "mixco", "transform", 80, cd, ad))))
		s.Leaves = append(s.Leaves, truck)
		err = firstErr(err, s.use(truck, k))
	}
	return err
}

// Build fills the read model with about events events, in one database
// transaction, and analyzes the tables.
func (s *Synth) Build(ctx context.Context, events uint64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	s.tx = tx
	for i := 0; s.Seq < events; i++ {
		if i%2 == 0 {
			err = s.steel(i)
		} else {
			err = s.concrete(i)
		}
		if err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	for t := range s.buf {
		if err := s.flush(t); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	q := "INSERT INTO rm_checkpoint (name, seq) VALUES ('projector', ?)"
	if s.postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	if _, err := tx.Exec(q, s.Seq); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, "ANALYZE")
	return err
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// WideRoot is the origin of the chain Wide writes, and WideHeat the heat
// number of every batch in it.
const (
	WideRoot = "WIDE-H000001"
	WideHeat = "HW000001"
)

// WideDeep is the code of the batch levels steps below WideRoot on the
// chain's first branch (its leaf when levels is the chain's length).
func WideDeep(levels int) string {
	code := WideRoot + "-C1-B1"
	for d := 3; d <= levels; d++ {
		code += fmt.Sprintf(".%d", d)
	}
	return code
}

// Wide writes the big trace: a heat (WideRoot) split into 4 coils,
// each shipped and cut into 5 bars, and each bar split on, one step at a
// time, until it is levels steps from the heat; the 20 leaves are used
// usages times in all, on every floor of two towers. It returns the leaves.
func (s *Synth) Wide(ctx context.Context, levels, usages int) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	s.tx = tx
	s.heat = WideHeat
	defer func() { s.heat = "" }()
	seq, err := s.event("CommissionBatch", "steelco", WideRoot)
	err = firstErr(err, s.batch(seq, WideRoot, "hrb400", "steelco", "", 100))
	var leaves []string
	for c := 1; c <= 4; c++ {
		coil := fmt.Sprintf("%s-C%d", WideRoot, c)
		seq, e := s.event("TransformBatches", "steelco", WideRoot, coil)
		err = firstErr(err, firstErr(e, s.batch(seq, coil, "hrb400", "steelco", "split", 25, WideRoot)))
		_, e1 := s.event("DispatchShipment", "steelco", coil)
		_, e2 := s.event("ReceiveShipment", "buildco", coil)
		err = firstErr(err, firstErr(e1, e2))
		for k := 1; k <= 5; k++ {
			leaf := fmt.Sprintf("%s-B%d", coil, k)
			seq, e := s.event("TransformBatches", "buildco", coil, leaf)
			err = firstErr(err, firstErr(e, s.batch(seq, leaf, "hrb400", "buildco", "split", 5, coil)))
			for d := 3; d <= levels; d++ {
				next := fmt.Sprintf("%s.%d", leaf, d)
				seq, e := s.event("TransformBatches", "buildco", leaf, next)
				err = firstErr(err, firstErr(e, s.batch(seq, next, "hrb400", "buildco", "split", 5, leaf)))
				leaf = next
			}
			leaves = append(leaves, leaf)
		}
	}
	for i := range usages {
		code := leaves[i%len(leaves)]
		seq, e := s.event("RecordUsage", "buildco", code)
		err = firstErr(err, firstErr(e, s.row("rm_usages", fmt.Sprintf("tx%d", seq), code, 1000, "t", "Riverside", fmt.Sprintf("T%d", 1+i%2),
			fmt.Sprintf("L%02d", 1+(i/2)%30), fmt.Sprintf("column C%d", i), "buildco", "buildco-user", "2026-01-02T00:00:00Z", fmt.Sprintf("tx%d", seq), seq)))
	}
	for t := range s.buf {
		err = firstErr(err, s.flush(t))
	}
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return leaves, tx.Commit()
}

// BenchDialects is the databases a benchmark runs on: SQLite, and
// PostgreSQL too when PLUMBLINE_BENCH_PG=1.
func BenchDialects() []string {
	if os.Getenv("PLUMBLINE_BENCH_PG") == "1" {
		return []string{dbx.SQLite, dbx.Postgres}
	}
	return []string{dbx.SQLite}
}

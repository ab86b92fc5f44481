package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

// whereUsedFixture: heat H7 of mill is commissioned (as batch HEAT-7) and
// cut into coils C1 and C2; C1 is cut into bars C1.1 and C1.2; cement lot
// CEM of plant (split into CEM.1) and aggregate AGG of quarry are mixed
// into concrete CON. Usages: C1.1 on floors 3 and 4 of tower T1 in March,
// C2 on floor 5 in April, CON in T2 in April, and HEAT-9 (another heat)
// in T1 in March.
func whereUsedFixture(t *testing.T, ctx context.Context, st *Store) {
	t.Helper()
	cs := NewChangeset()
	if err := cs.AddEvent(Event{Seq: 1, TxID: "tx1", Type: "Test", Time: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	batch := func(code, product, producer, heat, produced string, kind models.LineageKind, parents ...string) {
		b := models.Batch{Code: code, ProductID: product, Producer: producer, Owner: producer, Custodian: producer, HeatNumber: heat,
			ProducedOn: produced, Status: models.StatusAvailable, Quantity: 10000, Unit: "t", Lineage: kind}
		for _, p := range parents {
			b.Parents = append(b.Parents, models.BatchInput{Code: p, Quantity: 5000})
		}
		cs.PutBatch(1, b)
	}
	batch("HEAT-7", "rebar", "mill", "H7", "2026-02-01", "")
	batch("C1", "rebar", "mill", "H7", "2026-02-02", models.LineageSplit, "HEAT-7")
	batch("C2", "rebar", "mill", "H7", "2026-02-02", models.LineageSplit, "HEAT-7")
	batch("C1.1", "rebar", "site", "H7", "2026-03-01", models.LineageSplit, "C1")
	batch("C1.2", "rebar", "site", "H7", "2026-03-01", models.LineageSplit, "C1")
	batch("HEAT-9", "rebar", "mill", "H9", "2026-02-15", "")
	batch("CEM", "cement", "plant", "", "2026-03-01", "")
	batch("CEM.1", "cement", "plant", "", "2026-03-01", models.LineageSplit, "CEM")
	batch("AGG", "aggregate", "quarry", "", "2026-03-02", "")
	batch("CON", "concrete", "mixer", "", "2026-04-01", models.LineageTransform, "CEM.1", "AGG")
	use := func(id, code, building, floor, at string) {
		cs.PutUsage(1, models.Usage{ID: id, BatchCode: code, Quantity: 1000, Unit: "t", Contractor: "site", UsedAt: at,
			Location: models.Location{Project: "P", Building: building, Floor: floor, Element: "el-" + id}})
	}
	use("u1", "C1.1", "T1", "3", "2026-03-10T08:00:00Z")
	use("u2", "C1.1", "T1", "4", "2026-03-11T08:00:00Z")
	use("u3", "C2", "T1", "5", "2026-04-02T08:00:00Z")
	use("u4", "CON", "T2", "1", "2026-04-03T23:59:59.5Z")
	use("u5", "HEAT-9", "T1", "2", "2026-03-12T08:00:00Z")
	if _, err := st.Apply(ctx, cs); err != nil {
		t.Fatal(err)
	}
}

// TestWhereUsed searches by product, supplier, heat number and date
// ranges, alone and together, on SQLite and PostgreSQL: each finds exactly
// its usages, each once, with the path from the earliest matching batch.
func TestWhereUsed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		ctx, st := openStore(t, dialect)
		whereUsedFixture(t, ctx, st)
		for _, c := range []struct {
			name  string
			f     WhereUsedFilter
			limit int
			want  string // id:path, ...
			total int
		}{
			{"heat", WhereUsedFilter{HeatNumber: "H7"}, 0, "u1:HEAT-7>C1>C1.1 u2:HEAT-7>C1>C1.1 u3:HEAT-7>C2", 3},
			{"heat, limited", WhereUsedFilter{HeatNumber: "H7"}, 2, "u1:HEAT-7>C1>C1.1 u2:HEAT-7>C1>C1.1", 3},
			{"product cement reaches concrete", WhereUsedFilter{ProductID: "cement"}, 0, "u4:CEM>CEM.1>CON", 1},
			{"supplier", WhereUsedFilter{Producer: "quarry"}, 0, "u4:AGG>CON", 1},
			{"supplier and product", WhereUsedFilter{Producer: "mill", ProductID: "rebar"}, 0, "u1:HEAT-7>C1>C1.1 u2:HEAT-7>C1>C1.1 u5:HEAT-9 u3:HEAT-7>C2", 4},
			{"produced range", WhereUsedFilter{ProducedFrom: "2026-02-10", ProducedTo: "2026-02-28"}, 0, "u5:HEAT-9", 1},
			{"produced range, start day included", WhereUsedFilter{ProducedFrom: "2026-03-01", ProducedTo: "2026-03-01"}, 0, "u1:C1.1 u2:C1.1 u4:CEM>CEM.1>CON", 3},
			{"used range alone", WhereUsedFilter{UsedFrom: "2026-04-01", UsedTo: "2026-04-03"}, 0, "u3:C2 u4:CON", 2},
			{"heat and used range", WhereUsedFilter{HeatNumber: "H7", UsedFrom: "2026-03-11"}, 0, "u2:HEAT-7>C1>C1.1 u3:HEAT-7>C2", 2},
			{"nothing matches", WhereUsedFilter{HeatNumber: "H0"}, 0, "", 0},
			{"batch never used", WhereUsedFilter{ProductID: "rebar", ProducedFrom: "2026-03-01"}, 0, "u1:C1.1 u2:C1.1", 2},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, err := st.WhereUsed(ctx, c.f, c.limit)
				if err != nil {
					t.Fatal(err)
				}
				var parts []string
				for _, r := range got.Rows {
					parts = append(parts, r.Usage.ID+":"+strings.Join(r.Path, ">"))
					if r.Root != r.Path[0] || r.Usage.BatchCode != r.Path[len(r.Path)-1] || r.Usage.Location.Element != "el-"+r.Usage.ID || r.ProductID == "" {
						t.Errorf("row %+v", r)
					}
				}
				if s := strings.Join(parts, " "); s != c.want || got.Total != c.total {
					t.Errorf("got %q of %d, want %q of %d", s, got.Total, c.want, c.total)
				}
			})
		}
		for _, c := range []struct {
			f     WhereUsedFilter
			field string
		}{
			{WhereUsedFilter{}, ""},
			{WhereUsedFilter{UsedTo: "soon"}, "used_to"},
		} {
			_, err := st.WhereUsed(ctx, c.f, 0)
			var me *models.Error
			if !errors.As(err, &me) || me.Kind != models.ErrInvalid || me.Field != c.field {
				t.Errorf("WhereUsed(%+v) = %v, want invalid %q", c.f, err, c.field)
			}
		}
	})
}

// TestWhereUsedBound refuses a search that starts from too many batches.
func TestWhereUsedBound(t *testing.T) {
	ctx, st := openStore(t, "sqlite")
	var specs []string
	for i := range MaxWhereUsedRoots + 1 {
		specs = append(specs, fmt.Sprintf("B%05d", i))
	}
	graph(t, ctx, st, specs...)
	_, err := st.WhereUsed(ctx, WhereUsedFilter{ProductID: "p"}, 0)
	if !errors.Is(err, models.ErrInvalid) || !strings.Contains(err.Error(), "narrow") {
		t.Errorf("a search from %d batches: %v", MaxWhereUsedRoots+1, err)
	}
}

// TestWhereUsedDiamonds: a batch split in two and merged back, forty
// times over, has 2^40 paths from its first batch to its last; the search
// walks batches, not paths, so it answers at once with the one usage, by
// a longest path (every step of the chain), on SQLite and PostgreSQL.
func TestWhereUsedDiamonds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		ctx, st := openStore(t, dialect)
		const n = 40
		specs := []string{"D00"}
		for i := range n {
			d := fmt.Sprintf("D%02d", i)
			specs = append(specs, d+"a<"+d, d+"b<"+d, fmt.Sprintf("D%02d<%sa,%sb", i+1, d, d))
		}
		graph(t, ctx, st, specs...)
		cs := NewChangeset()
		seq, _ := st.Checkpoint(ctx)
		if err := cs.AddEvent(Event{Seq: seq + 1, TxID: "tx-use", Type: "Test", Time: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		cs.PutUsage(seq+1, models.Usage{ID: "u-last", BatchCode: fmt.Sprintf("D%02d", n), Quantity: 1000, Unit: "t",
			UsedAt: "2026-05-01T08:00:00Z", Location: models.Location{Project: "P", Building: "T", Floor: "1", Element: "slab"}})
		if _, err := st.Apply(ctx, cs); err != nil {
			t.Fatal(err)
		}
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		start := time.Now()
		got, err := st.WhereUsed(qctx, WhereUsedFilter{ProductID: "p"}, 0)
		if err != nil {
			t.Fatalf("after %v: %v", time.Since(start), err)
		}
		if len(got.Rows) != 1 || got.Total != 1 || got.Roots != 1+3*n {
			t.Fatalf("got %d rows of %d from %d roots, want 1 of 1 from %d", len(got.Rows), got.Total, got.Roots, 1+3*n)
		}
		r := got.Rows[0]
		if r.Root != "D00" || len(r.Path) != 1+2*n || r.Path[0] != "D00" || r.Path[len(r.Path)-1] != fmt.Sprintf("D%02d", n) || r.Path[1] != "D00a" {
			t.Errorf("path %v from %s, want D00 > D00a > D01 > … > D%02d", r.Path, r.Root, n)
		}
	})
}

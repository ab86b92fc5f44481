package report

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/internal/store/storetest"
)

// The trace benchmark: a batch with 10 levels of lineage and 1,000
// downstream usages in the read model of a 1,000,000-event ledger.
const (
	benchLevels = 10
	benchUsages = 1000
	// benchVersion names the cached read model; change it when the
	// synthetic data or the tables change.
	benchVersion = 3
)

// benchStore opens the benchmark's read model: PLUMBLINE_BENCH_EVENTS
// events (20,000 by default, so that a quick run stays quick) of
// storetest.Synth plus the wide chain. On SQLite it is built once and kept
// in the temporary folder, keyed by version and size; on PostgreSQL
// (PLUMBLINE_BENCH_PG=1) it is built in a fresh database each run.
func benchStore(b *testing.B, dialect string) *store.Store {
	events := uint64(20000)
	if v := os.Getenv("PLUMBLINE_BENCH_EVENTS"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			b.Fatalf("PLUMBLINE_BENCH_EVENTS=%q: %v", v, err)
		}
		events = n
	}
	ctx := context.Background()
	build := func(db *gorm.DB) {
		if _, err := store.Open(ctx, db); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		syn := storetest.NewSynth(b, db)
		if err := syn.Build(ctx, events); err != nil {
			b.Fatal(err)
		}
		if _, err := syn.Wide(ctx, benchLevels, benchUsages); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: built a read model of %d events in %s", dialect, syn.Seq, time.Since(start).Round(time.Second))
	}
	if dialect == dbx.Postgres {
		db := dbtest.Open(b, dialect)
		build(db)
		st, err := store.Open(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("plumbline-bench-report-v%d-%d.db", benchVersion, events))
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(tmp + suffix)
		}
		db, err := dbx.Open("sqlite://" + tmp)
		if err != nil {
			b.Fatal(err)
		}
		build(db)
		if err := dbx.Close(db); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	} else {
		b.Logf("using the cached read model %s", path)
	}
	db, err := dbx.Open("sqlite://" + path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = dbx.Close(db) })
	st, err := store.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkTraceReport measures, on the big trace, (a) the trace data —
// the store's recursive queries and the report graph built from them —
// forward from the origin (185 batches, 1,000 usages) and backward from a
// leaf 10 steps down, both ways at once, and (b) drawing the forward graph
// as SVG (layout included), and (c) the where-used search for the trace's
// heat number. It reports p50 and p99 in milliseconds; targets: data p99
// ≤ 50 ms, SVG p99 ≤ 200 ms.
//
//	PLUMBLINE_BENCH_EVENTS=1000000 go test -run '^$' -bench TraceReport -benchtime 200x ./internal/report
func BenchmarkTraceReport(b *testing.B) {
	for _, d := range storetest.BenchDialects() {
		b.Run(d, func(b *testing.B) {
			st := benchStore(b, d)
			ctx := context.Background()
			deep := storetest.WideDeep(benchLevels)
			data := func(code string, back, fwd bool) func() (*Graph, error) {
				return func() (*Graph, error) {
					var bt, ft *store.Trace
					if back {
						t, err := st.Backward(ctx, code, 0)
						if err != nil {
							return nil, err
						}
						bt = &t
					}
					if fwd {
						t, err := st.Forward(ctx, code, 0)
						if err != nil {
							return nil, err
						}
						ft = &t
					}
					return New(bt, ft, plainNames{}), nil
				}
			}
			g, err := data(storetest.WideRoot, false, true)()
			if err != nil {
				b.Fatal(err)
			}
			if g.Usages != benchUsages {
				b.Fatalf("the forward graph of %s has %d usages, want %d", storetest.WideRoot, g.Usages, benchUsages)
			}
			if bg, err := data(deep, true, false)(); err != nil || len(bg.Nodes) != benchLevels+1 {
				b.Fatalf("the backward graph of %s: %v", deep, err)
			}
			for _, c := range []struct {
				name string
				fn   func() (*Graph, error)
			}{
				{"Data/Forward", data(storetest.WideRoot, false, true)},
				{"Data/Backward", data(deep, true, false)},
				{"Data/Both", data(storetest.WideDeep(5), true, true)},
			} {
				b.Run(c.name, func(b *testing.B) {
					var last *Graph
					measure(b, func() error {
						var err error
						if last, err = c.fn(); err == nil && len(last.Nodes) == 0 {
							err = fmt.Errorf("empty graph")
						}
						return err
					})
					b.ReportMetric(float64(len(last.Nodes)), "nodes")
					b.ReportMetric(float64(last.Usages), "usages")
				})
			}
			b.Run("SVG", func(b *testing.B) {
				measure(b, func() error { return SVG(io.Discard, Place(g), echo{}, SVGOptions{}) })
				b.ReportMetric(float64(len(g.Nodes)), "boxes")
			})
			// Where used: the big trace's heat number (carried by all its
			// 185 batches) to its 1,000 places, the first 200 of them.
			b.Run("WhereUsed", func(b *testing.B) {
				var found store.WhereUsed
				measure(b, func() error {
					var err error
					found, err = st.WhereUsed(ctx, store.WhereUsedFilter{HeatNumber: storetest.WideHeat}, 200)
					if err == nil && found.Total != benchUsages {
						err = fmt.Errorf("found %d places, want %d", found.Total, benchUsages)
					}
					return err
				})
				b.ReportMetric(float64(found.Roots), "batches")
			})
		})
	}
}

// measure runs fn b.N times and reports p50 and p99 in milliseconds.
func measure(b *testing.B, fn func() error) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

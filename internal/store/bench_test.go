package store

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/store/storetest"
)

// benchEvents is the size of the benchmark read model in ledger events:
// PLUMBLINE_BENCH_EVENTS (e.g. 1000000), 20000 by default so that a quick
// run stays quick.
func benchEvents(b *testing.B) uint64 {
	if v := os.Getenv("PLUMBLINE_BENCH_EVENTS"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			b.Fatalf("PLUMBLINE_BENCH_EVENTS=%q: %v", v, err)
		}
		return n
	}
	return 20000
}

// BenchmarkTrace measures trace latency on a synthetic read model and
// reports p50 and p99 in milliseconds. PostgreSQL runs too when
// PLUMBLINE_BENCH_PG=1.
//
//	PLUMBLINE_BENCH_EVENTS=1000000 go test -run '^$' -bench Trace -benchtime 2000x ./internal/store
func BenchmarkTrace(b *testing.B) {
	for _, d := range storetest.BenchDialects() {
		b.Run(d, func(b *testing.B) {
			ctx := context.Background()
			db := dbtest.Open(b, d)
			st, err := Open(ctx, db)
			if err != nil {
				b.Fatal(err)
			}
			syn := storetest.NewSynth(b, db)
			start := time.Now()
			if err := syn.Build(ctx, benchEvents(b)); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: built %d events (%d roots, %d leaves, %d 10-level leaves) in %s",
				d, syn.Seq, len(syn.Roots), len(syn.Leaves), len(syn.Deep), time.Since(start).Round(time.Millisecond))
			traces := []struct {
				name  string
				codes []string
				fn    func(context.Context, string, int) (Trace, error)
			}{
				{"Backward", syn.Leaves, st.Backward},
				{"BackwardDeep", syn.Deep, st.Backward},
				{"Forward", syn.Roots, st.Forward},
			}
			for _, tr := range traces {
				b.Run(tr.name, func(b *testing.B) { measureTraces(b, tr.codes, tr.fn) })
			}
		})
	}
}

// measureTraces runs b.N traces from codes picked at random (fixed seed)
// and reports p50 and p99 latency, nodes and usages per trace.
func measureTraces(b *testing.B, codes []string, fn func(context.Context, string, int) (Trace, error)) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, b.N)
	nodes, usages := 0, 0
	b.ResetTimer()
	for range b.N {
		code := codes[r.IntN(len(codes))]
		t0 := time.Now()
		t, err := fn(ctx, code, 0)
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		nodes += len(t.Nodes)
		usages += len(t.Usages)
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(float64(nodes)/float64(b.N), "nodes/trace")
	b.ReportMetric(float64(usages)/float64(b.N), "usages/trace")
}

// BenchmarkCheck measures Check over the synthetic read model against a
// world state rebuilt from it (so that they match), reporting records per
// second.
//
//	PLUMBLINE_BENCH_EVENTS=1000000 go test -run '^$' -bench Check -benchtime 1x ./internal/store
func BenchmarkCheck(b *testing.B) {
	ctx := context.Background()
	st, err := Open(ctx, dbtest.Open(b, dbx.SQLite))
	if err != nil {
		b.Fatal(err)
	}
	syn := storetest.NewSynth(b, st.db)
	if err := syn.Build(ctx, benchEvents(b)); err != nil {
		b.Fatal(err)
	}
	type kv struct {
		key   string
		value []byte
	}
	var state []kv
	for _, c := range st.checkCursors(ctx) {
		for {
			it, err := c.peek()
			if err != nil {
				b.Fatal(err)
			}
			if it == nil {
				break
			}
			v, err := json.Marshal(it.rec)
			if err != nil {
				b.Fatal(err)
			}
			state = append(state, kv{c.prefix + it.key, v})
			c.buf = c.buf[1:]
		}
	}
	slices.SortFunc(state, func(x, y kv) int { return strings.Compare(x.key, y.key) })
	iter := func(yield func(string, []byte) bool) {
		for _, s := range state {
			if !yield(s.key, s.value) {
				return
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		if err := st.Check(ctx, syn.Seq, iter); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(state))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/check")
}

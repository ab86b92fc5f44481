package store

import (
	"context"
	"os"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx"
)

// BenchmarkTraceDemoLedger measures trace latency on a real read model: the
// one projected from a ledger written by `plumbline demo --events N`. Point
// PLUMBLINE_BENCH_DB at its database; the benchmark skips without it.
//
//	plumbline demo --events 1000000 --db sqlite:///tmp/big/plumbline.db
//	PLUMBLINE_BENCH_DB=sqlite:///tmp/big/plumbline.db go test -run '^$' -bench TraceDemoLedger -benchtime 2000x ./internal/store
func BenchmarkTraceDemoLedger(b *testing.B) {
	url := os.Getenv("PLUMBLINE_BENCH_DB")
	if url == "" {
		b.Skip("set PLUMBLINE_BENCH_DB to the URL of a database written by `plumbline demo --events N`")
	}
	ctx := context.Background()
	db, err := dbx.Open(url)
	if err != nil {
		b.Fatal(err)
	}
	defer dbx.Close(db)
	st, err := Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	var events int64
	db.Raw(`SELECT COUNT(*) FROM rm_events`).Scan(&events)
	// Origins: batches nothing was made from. Ends: batches that went into
	// the works (they have usages), the starting points of a backward trace.
	var roots, ends []string
	if err := db.Raw(`SELECT code FROM rm_batches b WHERE NOT EXISTS (SELECT 1 FROM rm_lineage_edges e WHERE e.child = b.code) ORDER BY code`).Scan(&roots).Error; err != nil {
		b.Fatal(err)
	}
	if err := db.Raw(`SELECT DISTINCT batch_code FROM rm_usages ORDER BY batch_code`).Scan(&ends).Error; err != nil {
		b.Fatal(err)
	}
	if len(roots) == 0 || len(ends) == 0 {
		b.Fatalf("no batches to trace in %s (%d roots, %d used)", url, len(roots), len(ends))
	}
	b.Logf("%d events, %d origin batches, %d used batches", events, len(roots), len(ends))
	for _, tr := range []struct {
		name  string
		codes []string
		fn    func(context.Context, string, int) (Trace, error)
	}{
		{"Backward", ends, st.Backward},
		{"Forward", roots, st.Forward},
	} {
		b.Run(tr.name, func(b *testing.B) { measureTraces(b, tr.codes, tr.fn) })
	}
}

package embedded

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx"
)

// BenchmarkVerify measures Verify over N entries on SQLite. N comes from
// PLUMBLINE_VERIFY_N (default 5000). Building the ledger dominates large
// runs, so PLUMBLINE_VERIFY_DIR, when set, keeps the database and keys
// there and reuses them:
//
//	PLUMBLINE_VERIFY_N=1000000 PLUMBLINE_VERIFY_DIR=/tmp/verify1m \
//	  go test -run '^$' -bench Verify -benchtime 1x -timeout 1h ./ledger/embedded
func BenchmarkVerify(b *testing.B) {
	n := 5000
	if s := os.Getenv("PLUMBLINE_VERIFY_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("PLUMBLINE_VERIFY_N: %v", err)
		}
	}
	dir := os.Getenv("PLUMBLINE_VERIFY_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	db, err := dbx.Open("sqlite://" + filepath.Join(dir, "verify.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer dbx.Close(db)
	ctx := context.Background()
	l, err := Open(ctx, Options{DB: db, KeyDir: filepath.Join(dir, "keys"), MaxBatch: 1024})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	if h, _ := l.Head(ctx); h == 0 {
		seed(b, l, 8)
	}
	if h, _ := l.Head(ctx); h < uint64(n) {
		start := time.Now()
		fill(b, l, int64(h), int64(n))
		b.Logf("built %d entries in %v", n, time.Since(start))
		// Fold the write-ahead log into the database, as a quiet ledger
		// would have, so the measurement reads the database file.
		if _, err := l.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
	}
	head, _ := l.Head(ctx)
	b.ResetTimer()
	for b.Loop() {
		rep, err := l.Verify(ctx, VerifyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Entries != head {
			b.Fatalf("verified %d entries of %d", rep.Entries, head)
		}
	}
	b.ReportMetric(float64(head)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(head), "entries")
}

// fill submits products until the ledger holds n entries.
func fill(b *testing.B, l *Ledger, from, n int64) {
	next := atomic.Int64{}
	next.Store(from)
	var wg sync.WaitGroup
	for w := range 256 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > n {
					return
				}
				tx := productTx(fmt.Sprintf("mill-%d", w%8), fmt.Sprintf("v-%d", i))
				if _, err := l.Submit(context.Background(), tx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

package embedded

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
)

// BenchmarkSubmit measures durable Submit throughput (RegisterProduct, each
// acknowledged only after its group commits) with 1, 16 and 64 concurrent
// submitters on SQLite and PostgreSQL:
//
//	go test -run '^$' -bench Submit -benchtime 20000x ./ledger/embedded
func BenchmarkSubmit(b *testing.B) {
	for _, dialect := range dbtest.Dialects {
		for _, n := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/submitters=%d", dialect, n), func(b *testing.B) {
				e := newEnv(b, dialect)
				l := e.open(func(o *Options) { o.Now = nil })
				seed(b, l, 8)
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				start := time.Now()
				for range n {
					wg.Go(func() {
						for {
							i := next.Add(1)
							if i > int64(b.N) {
								return
							}
							tx := productTx(fmt.Sprintf("mill-%d", i%8), fmt.Sprintf("p-%d", i))
							if _, err := l.Submit(context.Background(), tx); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkSubmitBatch measures durable SubmitBatch throughput: atomic
// batches of 5,000 RegisterProduct transactions, signed on every core and
// committed as one group each (what an EPCIS capture does):
//
//	go test -run '^$' -bench SubmitBatch -benchtime 50000x ./ledger/embedded
func BenchmarkSubmitBatch(b *testing.B) {
	for _, dialect := range dbtest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			e := newEnv(b, dialect)
			l := e.open(func(o *Options) { o.Now = nil })
			seed(b, l, 8)
			b.ResetTimer()
			start := time.Now()
			for from := 0; from < b.N; from += 5000 {
				var txs []ledger.Tx
				for i := from; i < min(b.N, from+5000); i++ {
					txs = append(txs, productTx(fmt.Sprintf("mill-%d", i%8), fmt.Sprintf("p-%d", i)))
				}
				_, errs, err := l.SubmitBatch(context.Background(), txs, true)
				if err != nil || errs[0] != nil {
					b.Fatal(err, errs[0])
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

package embedded

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
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

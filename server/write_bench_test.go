package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/internal/witness"
)

// BenchmarkAPIWrite measures the API's durable write path: 64 clients
// commission batches through POST /api/v1/batches with Bearer tokens. Each
// request is parsed, authenticated, run through the contract, committed
// durably (group commit), projected into the read model (read-your-writes)
// and answered with the stored batch. Reports events/s and latency
// percentiles. Target: ≥ 3,000 durable events/s on a 2-core machine.
func BenchmarkAPIWrite(b *testing.B) { benchWrites(b, newFixture(b, true)) }

// BenchmarkAPIWriteWitnessed runs BenchmarkAPIWrite's load side by side in
// one run: without a witness, and with one local witness (a real
// `plumbline witness` over HTTP on this machine) cosigning the checkpoints
// as they come (internal/cosign). Target: with ≥ 90% of without. Run with
// -benchtime=20000x or so, on a quiet machine.
func BenchmarkAPIWriteWitnessed(b *testing.B) {
	b.Run("no-witness", func(b *testing.B) { benchWrites(b, newFixture(b, true)) })
	b.Run("one-witness", func(b *testing.B) {
		f := newFixture(b, true)
		cs := startWitnessing(b, f)
		benchWrites(b, f)
		st := cs.Status(context.Background())[0]
		b.ReportMetric(float64(st.Cosigned), "cosigned-size")
		b.ReportMetric(float64(st.Behind), "behind-at-end")
	})
}

// startWitnessing runs a plumbline witness that knows f's log and
// witnessing of f's ledger against it until the benchmark ends.
func startWitnessing(b testing.TB, f *fixture) *cosign.Cosigner {
	b.Helper()
	dir := b.TempDir()
	st, err := witness.OpenStore(filepath.Join(dir, "witness.db"))
	if err != nil {
		b.Fatal(err)
	}
	key, _, err := witness.OpenKey(filepath.Join(dir, "key"), "witness.test")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.AddLog(context.Background(), f.ledger.Origin(), f.ledger.VerifierKey()); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(witness.New(st, key, nil))
	cs, err := cosign.New(f.ledger, cosign.Options{Witnesses: []cosign.Witness{{Key: key.VerifierKey(), URL: srv.URL}}, Quorum: 1})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { cs.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done; srv.Close(); _ = st.Close() })
	return cs
}

// benchWrites is BenchmarkAPIWrite's load on f.
func benchWrites(b *testing.B, f *fixture) {
	ctx := b.Context()
	ps, err := f.store.Products(ctx, "fuchun-cement")
	if err != nil || len(ps) == 0 {
		b.Fatalf("demo products: %v", err)
	}
	tok := f.token(b, "fuchun-cement.operator")
	const clients = 64
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var next atomic.Int64
	var failed atomic.Int64
	lat := make([][]time.Duration, clients)
	run := fmt.Sprintf("%d", time.Now().UnixNano()%1e6)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				body, _ := json.Marshal(map[string]any{
					"code": fmt.Sprintf("BENCH-%s-%07d", run, i), "product_id": ps[int(i)%len(ps)].ID,
					"quantity": "33.000", "produced_on": "2026-11-20", "origin": "Fuyang kiln 2",
				})
				req, _ := http.NewRequest(http.MethodPost, f.URL+"/api/v1/batches", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", run, i))
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[w] = append(lat[w], time.Since(t0))
				if resp.StatusCode != http.StatusCreated {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d writes failed", n, b.N)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

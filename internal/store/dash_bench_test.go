package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/store/storetest"
	"github.com/plumbline/plumbline/models"
)

// dashSynth fills the tables the dashboard aggregates read with n received
// shipments of two lines over two years, in time order as the projector
// writes them: 8 suppliers of 40 products, 5
// buyers, 3 carriers, an order with a due date per 20 shipments, an
// inspection per shipment (5% failing) and 1% of batches on hold.
func dashSynth(tb testing.TB, db *gorm.DB, n int) time.Time {
	r := rand.New(rand.NewPCG(5, 6))
	end := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	start := end.AddDate(0, 0, -7*104)
	span := end.Sub(start)
	var (
		batches []batchRow
		ships   []shipmentRow
		lines   []shipmentLineRow
		pos     []poRow
		ins     []inspectionRow
		evs     []eventRow
	)
	seq := uint64(0)
	for i := 0; i < n; i++ {
		sup := fmt.Sprintf("sup-%d", i%8)
		// in time order, as a ledger writes them, with an hour of jitter
		at := start.Add(time.Duration(float64(span)*float64(i)/float64(n)) + time.Duration(r.Int64N(int64(time.Hour))))
		po := fmt.Sprintf("PO-%d-%d", i%8, i/160) // an order per supplier per 20 of its shipments
		if i%160 < 8 {
			pos = append(pos, poRow{ID: po, Buyer: fmt.Sprintf("buyer-%d", i%5), Supplier: sup, Status: "open",
				IssuedAt: at.Format(time.RFC3339), DeliverBy: at.AddDate(0, 0, 3+r.IntN(10)).Format(models.DateLayout)})
		}
		code := fmt.Sprintf("S-%07d", i)
		ships = append(ships, shipmentRow{Code: code, FromOrg: sup, ToOrg: fmt.Sprintf("buyer-%d", i%5), Carrier: fmt.Sprintf("carrier-%d", i%3),
			Status: models.ShipmentReceived, DispatchedAt: at.Add(-time.Hour).Format(time.RFC3339), ReceivedAt: at.Format(time.RFC3339)})
		for l := 1; l <= 2; l++ {
			seq++
			b := fmt.Sprintf("B-%07d-%d", i, l)
			status := string(models.StatusAvailable)
			if r.IntN(100) == 0 {
				status = string(models.StatusOnHold)
			}
			batches = append(batches, batchRow{Code: b, ProductID: fmt.Sprintf("prod-%d", (i%8)*5+r.IntN(5)), Producer: sup, Quantity: 10000, Remaining: 10000,
				Unit: "t", Owner: fmt.Sprintf("buyer-%d", i%5), Custodian: fmt.Sprintf("buyer-%d", i%5), Status: status, Seq: seq})
			lines = append(lines, shipmentLineRow{Shipment: code, Line: l, Source: b, Batch: b, Quantity: 10000, Accepted: 10000, POID: po, POLine: 1})
			evs = append(evs, eventRow{Seq: seq, TxID: "tx" + strconv.FormatUint(seq, 10), Type: "Synth", Time: at})
		}
		verdict := models.VerdictPass
		if r.IntN(20) == 0 {
			verdict = models.VerdictFail
		}
		ins = append(ins, inspectionRow{ID: "I-" + code, BatchCode: fmt.Sprintf("B-%07d-1", i), Verdict: string(verdict), Agency: "lab",
			InspectedAt: at.Add(time.Hour).Format(time.RFC3339)})
	}
	for _, rows := range []any{batches, ships, lines, pos, ins, evs} {
		if err := db.CreateInBatches(rows, 500).Error; err != nil {
			tb.Fatal(err)
		}
	}
	return end
}

// BenchmarkDashAggregates measures the dashboard's aggregate queries on a
// synthetic read model and reports p50 and p99 per query.
// PLUMBLINE_BENCH_SHIPMENTS sets its size (20,000 by default); PostgreSQL
// runs too when PLUMBLINE_BENCH_PG=1.
//
//	PLUMBLINE_BENCH_SHIPMENTS=200000 go test -run '^$' -bench DashAggregates -benchtime 50x ./internal/store
func BenchmarkDashAggregates(b *testing.B) {
	n := 20000
	if v := os.Getenv("PLUMBLINE_BENCH_SHIPMENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	for _, d := range storetest.BenchDialects() {
		b.Run(d, func(b *testing.B) {
			ctx := context.Background()
			db := dbtest.Open(b, d)
			st, err := Open(ctx, db)
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			end := dashSynth(b, db, n)
			if d == dbx.Postgres {
				// as autovacuum would have by now on a server that wrote
				// these rows over two years
				if err := db.Exec("ANALYZE").Error; err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%s: %d shipments, %d lines, %d inspections written in %s", d, n, 2*n, n, time.Since(t0).Round(time.Millisecond))
			w12, w52 := end.AddDate(0, 0, -7*12), end.AddDate(0, 0, -7*52)
			for _, q := range []struct {
				name string
				fn   func() (int, error)
			}{
				{"Deliveries12wAll", func() (int, error) { r, err := st.Deliveries(ctx, "", w12, end, BySupplier); return len(r), err }},
				{"Deliveries52wOrg", func() (int, error) { r, err := st.Deliveries(ctx, "buyer-1", w52, end, ByProduct); return len(r), err }},
				{"OnTime52wAll", func() (int, error) { r, err := st.OnTimeBySupplier(ctx, "", w52, end, end); return len(r), err }},
				{"Inspections52wAll", func() (int, error) {
					r, err := st.InspectionRates(ctx, "", w52, end, ByProduct)
					return len(r), err
				}},
				{"HoldAgesAll", func() (int, error) { r, err := st.HoldAges(ctx, ""); return len(r), err }},
			} {
				b.Run(q.name, func(b *testing.B) {
					lat := make([]time.Duration, 0, b.N)
					rows := 0
					b.ResetTimer()
					for range b.N {
						t := time.Now()
						k, err := q.fn()
						lat = append(lat, time.Since(t))
						if err != nil {
							b.Fatal(err)
						}
						rows = k
					}
					b.StopTimer()
					slices.Sort(lat)
					ms := func(p float64) float64 {
						return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
					}
					b.ReportMetric(ms(0.5), "p50-ms")
					b.ReportMetric(ms(0.99), "p99-ms")
					b.ReportMetric(float64(rows), "rows")
				})
			}
		})
	}
}

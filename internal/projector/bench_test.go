package projector

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// steelChains returns about n real contract events: heats commissioned,
// split into coils, shipped, received and used, over and over.
func steelChains(tb testing.TB, n int) *chain {
	c := &chain{t: tb, st: contract.NewMemState()}
	const op = models.RoleOperator
	for _, o := range []models.Organization{
		{ID: gov, Name: "Authority", Kind: models.KindAuthority},
		{ID: steelco, Name: "Steel Co", Kind: models.KindManufacturer},
		{ID: haul, Name: "Haulage", Kind: models.KindCarrier},
		{ID: buildco, Name: "Build Co", Kind: models.KindContractor, Sites: []string{"tower-a"}},
	} {
		c.tx(gov, models.RoleAdmin, "RegisterOrganization", contract.RegisterOrganizationArgs{Organization: o})
	}
	c.tx(steelco, op, "RegisterProduct", contract.RegisterProductArgs{Product: models.Product{ID: rebar, Name: "HRB400",
		Category: models.CatRebar, Standard: "GB 1499.2", Unit: "t", Manufacturer: steelco}})
	for i := 0; len(c.events) < n; i++ {
		heat, c1, c2 := fmt.Sprintf("H%d", i), fmt.Sprintf("H%d-C1", i), fmt.Sprintf("H%d-C2", i)
		c.tx(steelco, op, "CommissionBatch", contract.CommissionBatchArgs{Code: heat, ProductID: rebar, Quantity: dec("60"),
			ProducedOn: "2026-02-20", HeatNumber: heat})
		c.tx(steelco, op, "TransformBatches", contract.TransformBatchesArgs{Kind: contract.TransformSplit,
			Inputs: []models.BatchInput{{Code: heat, Quantity: dec("40")}},
			Outputs: []contract.TransformOutput{{Code: c1, ProductID: rebar, Quantity: dec("20"), ProducedOn: "2026-02-21"},
				{Code: c2, ProductID: rebar, Quantity: dec("20"), ProducedOn: "2026-02-21"}}})
		sh := fmt.Sprintf("SH%d", i)
		c.tx(steelco, op, "DispatchShipment", contract.DispatchShipmentArgs{Code: sh, To: buildco, Site: "tower-a", Carrier: haul,
			Lines: []contract.DispatchLine{{Batch: c1, Quantity: dec("20")}}})
		c.tx(buildco, op, "ReceiveShipment", contract.ReceiveShipmentArgs{Shipment: sh, Lines: []contract.ReceiptLine{{Line: 1, Accepted: dec("20")}}})
		for k := range 2 {
			c.tx(buildco, op, "RecordUsage", contract.RecordUsageArgs{Batch: c1, Quantity: dec("5"),
				Location: models.Location{Project: "Riverside", Building: "B1", Floor: strconv.Itoa(k), Element: "slab"}})
		}
	}
	return c
}

// BenchmarkRebuild measures projection throughput: a Rebuild of the read
// model from PLUMBLINE_BENCH_EVENTS real contract events (5000 by default).
func BenchmarkRebuild(b *testing.B) {
	n := 5000
	if v := os.Getenv("PLUMBLINE_BENCH_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	c := steelChains(b, n)
	for _, d := range []string{dbx.SQLite, dbx.Postgres} {
		b.Run(d, func(b *testing.B) {
			ctx := context.Background()
			st, err := store.Open(ctx, dbtest.Open(b, d))
			if err != nil {
				b.Fatal(err)
			}
			p := New(st, newSource(c.events), nil)
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				if err := p.Rebuild(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(c.events)*b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

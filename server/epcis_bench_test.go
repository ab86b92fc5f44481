package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/models"
)

// BenchmarkEPCISCapture measures capture end to end through the HTTP API:
// documents of 5,000 commissioning events posted by a supplier's system
// over `clients` connections at once, each document done once its events
// are committed durably and projected into the read model (a job waits for
// the projector); events/s is all events over the time until the last
// document is done:
//
//	go test -run '^$' -bench EPCISCapture -benchtime 40000x ./server
func BenchmarkEPCISCapture(b *testing.B) {
	for _, clients := range []int{1, 4} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchCapture(b, clients) })
	}
}

func benchCapture(b *testing.B, clients int) {
	const perDoc = 5_000
	f := newFixture(b, true)
	cf := findCaptureFacts(b, f)
	tok := f.token(b, "fuchun-cement.operator")
	var docs []epcis.Document
	for start := 0; start < b.N; start += perDoc {
		var evs []epcis.Event
		for i := start; i < min(b.N, start+perDoc); i++ {
			evs = append(evs, cf.commission(fmt.Sprintf("BENCH-%d-%07d", clients, i)))
		}
		docs = append(docs, captureDoc(evs...))
	}
	before := f.head(b)
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	next := make(chan epcis.Document)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for d := range next {
				code, j, e, _ := postCapture(b, f, tok, "", d)
				if code != http.StatusAccepted {
					b.Errorf("capture: %d %+v", code, e)
					return
				}
				if j = waitCapture(b, f, tok, j.ID); !j.Success() {
					b.Errorf("capture failed: %d committed, %d rejected", j.Committed, j.Rejected)
					return
				}
			}
		})
	}
	for _, d := range docs {
		next <- d
	}
	close(next)
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	if got := f.head(b) - before; got != uint64(b.N) {
		b.Fatalf("%d events committed, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "events/s")
	// CPU time of the whole process (server, ledger, projector and the
	// in-process client) per event: what the figure would be on idle cores,
	// whatever else the machine runs.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/event")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEPCISExport measures export pages of 1,000 events of the demo
// ledger (mapped, privacy-checked, schema-valid JSON-LD), as an authority
// and as a supplier involved with few of them:
//
//	go test -run '^$' -bench EPCISExport -benchtime 20x ./server
func BenchmarkEPCISExport(b *testing.B) {
	f := newFixture(b, true)
	for _, user := range []string{"hz-construction-bureau.admin", "qiantang-glass.viewer"} {
		b.Run(user, func(b *testing.B) {
			tok := f.token(b, user)
			b.ResetTimer()
			n := 0
			start := time.Now()
			for range b.N {
				code, _, body := f.fetch(b, tok, "/api/v1/epcis/events?perPage=1000")
				if code != http.StatusOK {
					b.Fatalf("%d", code)
				}
				n += bytes.Count(body, []byte(`"eventID"`))
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
		})
	}
}

// BenchmarkEPCISCaptureMixed captures a supply chain rather than one kind
// of event: per round, a supplier's document commissions 500 batches and
// ships each to the contractor's site, then the contractor's document
// receives each shipment and records where each batch went (receipts read
// the shipments the supplier's document made, so the dry run executes
// them). events/s counts all four kinds, each document done when durable
// and projected:
//
//	go test -run '^$' -bench EPCISCaptureMixed -benchtime 20000x ./server
func BenchmarkEPCISCaptureMixed(b *testing.B) {
	const perRound = 500 // batches; 4 events each
	f := newFixture(b, true)
	cf := findCaptureFacts(b, f)
	for _, org := range []string{"tonglu-quarry", "qiantang-glass", "jiangnan-steel", "xihu-readymix", "fuchun-cement"} {
		ps, _ := f.store.Products(context.Background(), org)
		for _, p := range ps {
			if !p.InspectionRequired && cf.product.InspectionRequired {
				cf.product = p
			}
		}
	}
	supplier := f.token(b, cf.product.Manufacturer+".operator")
	site := f.token(b, "zhongjian-no8.operator")
	q := func(s string) *models.Decimal { d := models.MustDecimal(s); return &d }
	type round struct{ out, in epcis.Document }
	var rounds []round
	for r := 0; r*perRound*4 < b.N; r++ {
		var out, in []epcis.Event
		for i := range perRound {
			code := fmt.Sprintf("MIX-%03d-%04d", r, i)
			batch := cf.names.Base + "/b/" + code
			ship := []epcis.BizTransaction{{Type: "plb:shipment", BizTransaction: cf.names.Shipment("SH-" + code)}}
			out = append(out, cf.commission(code), epcis.Event{Type: epcis.ObjectEvent, Action: "OBSERVE", BizStep: "shipping", Disposition: "in_transit",
				EventTime: "2026-06-01T09:00:00Z", EventTimeZoneOffset: "+08:00", EventID: "urn:uuid:ship-" + code,
				QuantityList: []epcis.Quantity{{EPCClass: batch, Quantity: q("12.5"), UOM: epcis.UOM(cf.product.Unit)}}, BizTransactionList: ship,
				DestinationList: []epcis.Destination{{Type: "owning_party", Destination: cf.names.Party("zhongjian-no8")}, {Type: "location", Destination: cf.names.Site("zhongjian-no8", "tower-a")}},
				Carrier:         cf.names.Party("zhehang-logistics")})
			use := cf.usage(code, "10", code)
			use.QuantityList[0].UOM = epcis.UOM(cf.product.Unit)
			in = append(in, epcis.Event{Type: epcis.ObjectEvent, Action: "OBSERVE", BizStep: "receiving", Disposition: "available",
				EventTime: "2026-06-01T15:00:00Z", EventTimeZoneOffset: "+08:00", EventID: "urn:uuid:receive-" + code,
				QuantityList: []epcis.Quantity{{EPCClass: batch, Quantity: q("12.5"), UOM: epcis.UOM(cf.product.Unit)}}, BizTransactionList: ship}, use)
		}
		for i := range out {
			if out[i].QuantityList[0].UOM == "TNE" {
				out[i].QuantityList[0].UOM = epcis.UOM(cf.product.Unit)
			}
		}
		rounds = append(rounds, round{captureDoc(out...), captureDoc(in...)})
	}
	run := func(tok string, d epcis.Document) {
		code, j, e, _ := postCapture(b, f, tok, "", d)
		if code != http.StatusAccepted {
			b.Fatalf("capture: %d %+v", code, e)
		}
		if j = waitCapture(b, f, tok, j.ID); !j.Success() {
			for _, o := range j.Events {
				if o.Status == evRejected {
					b.Fatalf("event %d rejected: %+v", o.Index, o)
				}
			}
			b.Fatalf("capture failed: %d committed", j.Committed)
		}
	}
	before := f.head(b)
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	for _, r := range rounds {
		run(supplier, r.out)
		run(site, r.in)
	}
	el := time.Since(start)
	b.StopTimer()
	n := f.head(b) - before
	b.ReportMetric(float64(n)/el.Seconds(), "events/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-µs/event")
}

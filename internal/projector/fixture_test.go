package projector

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Fixture organizations, products and documents.
const (
	gov      = "gov"
	cemco    = "cemco"
	quarry   = "quarry"
	steelco  = "steelco"
	mixco    = "mixco"
	haul     = "haul"
	buildco  = "buildco"
	qalab    = "qalab"
	cement   = "cem-425"
	agg      = "agg-20"
	rebar    = "hrb400-12"
	concrete = "c30"
	certHash = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func dec(s string) models.Decimal   { return models.MustDecimal(s) }
func decp(s string) *models.Decimal { d := dec(s); return &d }

// chain runs real contract transactions over a memory state and keeps the
// committed events, numbered 1…n, as a ledger would deliver them.
type chain struct {
	t       testing.TB
	st      *contract.MemState
	events  []ledger.Event
	version int    // contract version the transactions run under (0: V1)
	slab    string // the usage of CON-1 at slab S2
}

// tx runs one transaction that must be accepted and returns its ID.
func (c *chain) tx(org string, role models.Role, typ string, args any) string {
	c.t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		c.t.Fatal(err)
	}
	seq := uint64(len(c.events) + 1)
	call := contract.Call{TxID: fmt.Sprintf("tx%04d", seq), Type: typ, Args: raw, Org: org, User: org + "-user",
		Role: role, Time: t0.Add(time.Duration(seq) * time.Minute), Version: c.version}
	ws, err := contract.Execute(c.st, call)
	if err != nil {
		c.t.Fatalf("%s by %s: %v", typ, org, err)
	}
	e := ledger.Event{Seq: seq, TxID: call.TxID, Type: typ, Args: raw, Org: org, User: call.User, Role: role, Time: call.Time}
	for _, w := range ws {
		e.Writes = append(e.Writes, ledger.Write{Key: w.Key, Value: w.Value})
	}
	c.events = append(c.events, e)
	return call.TxID
}

// state iterates the world state in key order, as verification replays it.
func (c *chain) state() iter.Seq2[string, []byte] {
	return func(yield func(string, []byte) bool) {
		_ = c.st.Range("", func(k string, v []byte) error {
			if !yield(k, v) {
				return contract.ErrStop
			}
			return nil
		})
	}
}

// supplyChain builds the fixture: cement and aggregate mixed into concrete,
// a steel heat split into coils and cut bars, shipments (one with a
// rejected part), inspections (one failing), usages, a purchase order, a
// document, a correction and a recall of the heat.
func supplyChain(t testing.TB) *chain { return supplyChainAt(t, 0) }

// supplyChainAt builds the fixture under a contract version.
func supplyChainAt(t testing.TB, version int) *chain {
	c := &chain{t: t, st: contract.NewMemState(), version: version}
	const admin, op, insp = models.RoleAdmin, models.RoleOperator, models.RoleInspector
	for _, o := range []models.Organization{
		{ID: gov, Name: "City Building Authority", Kind: models.KindAuthority},
		{ID: cemco, Name: "Cement Co", Kind: models.KindManufacturer, Country: "CN"},
		{ID: quarry, Name: "Quarry Co", Kind: models.KindManufacturer},
		{ID: steelco, Name: "Steel Co", Kind: models.KindManufacturer},
		{ID: mixco, Name: "Mix Co", Kind: models.KindManufacturer},
		{ID: haul, Name: "Haulage", Kind: models.KindCarrier},
		{ID: buildco, Name: "Build Co", Kind: models.KindContractor, Sites: []string{"tower-a", "tower-b"}},
		{ID: qalab, Name: "QA Lab", Kind: models.KindInspection},
	} {
		c.tx(gov, admin, "RegisterOrganization", contract.RegisterOrganizationArgs{Organization: o})
	}
	for _, p := range []models.Product{
		{ID: cement, Name: "P.O 42.5", Category: models.CatCement, Standard: "GB 175-2023", Unit: "t",
			InspectionRequired: true, Manufacturer: cemco, GTIN: "06901234567892",
			SpecLimits: []models.SpecLimit{{Property: "compressive_strength_28d", Unit: "MPa", Min: decp("42.5")}}},
		{ID: agg, Name: "Crushed stone 5-20", Category: models.CatAggregate, Standard: "GB/T 14685", Unit: "t", Manufacturer: quarry},
		{ID: rebar, Name: "HRB400 12mm", Category: models.CatRebar, Standard: "GB 1499.2", Unit: "t", Manufacturer: steelco,
			SpecLimits: []models.SpecLimit{{Property: "yield_strength", Unit: "MPa", Min: decp("400")}}},
		{ID: concrete, Name: "C30", Category: models.CatReadyMix, Standard: "GB/T 14902", Unit: "m3",
			InspectionRequired: true, Manufacturer: mixco,
			SpecLimits: []models.SpecLimit{{Property: "slump", Unit: "mm", Min: decp("160"), Max: decp("220")}}},
	} {
		c.tx(p.Manufacturer, op, "RegisterProduct", contract.RegisterProductArgs{Product: p})
	}
	commission := func(org, code, product, qty, heat string) {
		c.tx(org, op, "CommissionBatch", contract.CommissionBatchArgs{Code: code, ProductID: product,
			Quantity: dec(qty), ProducedOn: "2026-02-20", Origin: "Plant 1", HeatNumber: heat, LotNumber: "L1"})
	}
	commission(cemco, "CEM-1", cement, "100", "")
	commission(quarry, "AGG-1", agg, "300", "")
	commission(steelco, "HEAT-1", rebar, "60", "H1")
	c.tx(cemco, op, "AttachDocument", contract.AttachDocumentArgs{Batch: "CEM-1", Document: contract.DocumentArgs{
		SHA256: certHash, Name: "cert.pdf", MediaType: "application/pdf", Size: 1024, Kind: models.DocCertificate,
		Visibility: models.Public}})
	ship := func(from, code, to, site string, lines ...contract.DispatchLine) {
		c.tx(from, op, "DispatchShipment", contract.DispatchShipmentArgs{Code: code, To: to, Site: site, Carrier: haul, Lines: lines})
	}
	ship(cemco, "SH-1", mixco, "", contract.DispatchLine{Batch: "CEM-1", Quantity: dec("40")})
	ship(quarry, "SH-2", mixco, "", contract.DispatchLine{Batch: "AGG-1", Quantity: dec("120")})
	c.tx(mixco, op, "ReceiveShipment", contract.ReceiveShipmentArgs{Shipment: "SH-1", Lines: []contract.ReceiptLine{{Line: 1, Accepted: dec("40")}}})
	c.tx(mixco, op, "ReceiveShipment", contract.ReceiveShipmentArgs{Shipment: "SH-2", Lines: []contract.ReceiptLine{{Line: 1, Accepted: dec("120")}}})
	c.tx(qalab, insp, "RecordInspection", contract.RecordInspectionArgs{Batch: "CEM-1.1", Type: "incoming", Verdict: models.VerdictPass,
		Results: []contract.InspectionResult{{Property: "compressive_strength_28d", Value: dec("45.2")}}})
	c.tx(mixco, op, "TransformBatches", contract.TransformBatchesArgs{Kind: contract.TransformMix, Yield: decp("80"),
		Inputs: []models.BatchInput{{Code: "CEM-1.1", Quantity: dec("40")}, {Code: "AGG-1.1", Quantity: dec("120")}},
		Outputs: []contract.TransformOutput{{Code: "CON-1", ProductID: concrete, Quantity: dec("50"), ProducedOn: "2026-03-02"},
			{Code: "CON-2", ProductID: concrete, Quantity: dec("30"), ProducedOn: "2026-03-02"}}})
	c.tx(steelco, op, "TransformBatches", contract.TransformBatchesArgs{Kind: contract.TransformSplit,
		Inputs: []models.BatchInput{{Code: "HEAT-1", Quantity: dec("40")}},
		Outputs: []contract.TransformOutput{{Code: "COIL-1", ProductID: rebar, Quantity: dec("20"), ProducedOn: "2026-03-01"},
			{Code: "COIL-2", ProductID: rebar, Quantity: dec("20"), ProducedOn: "2026-03-01"}}})
	c.tx(buildco, op, "CreatePurchaseOrder", contract.CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco, Site: "tower-a",
		Lines: []contract.OrderLine{{Line: 1, ProductID: rebar, Quantity: dec("20")}}})
	ship(steelco, "SH-3", buildco, "tower-a", contract.DispatchLine{Batch: "COIL-1", Quantity: dec("20"), POID: "PO-1", POLine: 1})
	ship(mixco, "SH-4", buildco, "tower-a", contract.DispatchLine{Batch: "CON-1", Quantity: dec("50")})
	c.tx(buildco, op, "ReceiveShipment", contract.ReceiveShipmentArgs{Shipment: "SH-3", Lines: []contract.ReceiptLine{{Line: 1, Accepted: dec("20")}}})
	c.tx(buildco, op, "ReceiveShipment", contract.ReceiveShipmentArgs{Shipment: "SH-4",
		Lines: []contract.ReceiptLine{{Line: 1, Accepted: dec("45"), Rejected: dec("5"), Reason: "slump out of range"}}})
	c.tx(qalab, insp, "RecordInspection", contract.RecordInspectionArgs{Batch: "CON-1", Type: "sampling", Verdict: models.VerdictPass,
		Results: []contract.InspectionResult{{Property: "slump", Value: dec("180")}}})
	c.tx(buildco, op, "TransformBatches", contract.TransformBatchesArgs{Kind: contract.TransformSplit,
		Inputs: []models.BatchInput{{Code: "COIL-1", Quantity: dec("16")}},
		Outputs: []contract.TransformOutput{{Code: "BAR-1", ProductID: rebar, Quantity: dec("8"), ProducedOn: "2026-03-03"},
			{Code: "BAR-2", ProductID: rebar, Quantity: dec("8"), ProducedOn: "2026-03-03"}}})
	use := func(batch, qty, floor, element string) string {
		return c.tx(buildco, op, "RecordUsage", contract.RecordUsageArgs{Batch: batch, Quantity: dec(qty),
			Location: models.Location{Project: "Riverside", Building: "B1", Floor: floor, Element: element}})
	}
	use("BAR-1", "6", "L3", "column C3")
	u := use("CON-1", "20", "L3", "slab")
	c.tx(buildco, op, "CorrectEntry", contract.CorrectEntryArgs{TargetKind: contract.TargetUsage, TargetID: u,
		Field: "location.element", Value: "slab S2", Reason: "wrong slab on the form"})
	c.tx(qalab, insp, "RecordInspection", contract.RecordInspectionArgs{Batch: "AGG-1", Type: "visual",
		Verdict: models.VerdictFail, Notes: "clay lumps"})
	c.tx(steelco, op, "RecallBatch", contract.RecallBatchArgs{Batch: "HEAT-1", Reason: "low yield strength", Severity: contract.SeverityHigh})
	c.slab = u
	return c
}

// caseChain is supplyChain with quality cases (see addCases).
func caseChain(t testing.TB) *chain {
	c := supplyChain(t)
	addCases(c, c.slab)
	return c
}

// addCases adds the quality cases: a late failing 28-day result on CON-1
// (poured at slab S2 as usage slab) opens a non-conformance that every
// affected organization acknowledges and the contractor dispositions, so
// it closes; a second case on BAR-1 stays open.
func addCases(c *chain, slab string) {
	const admin, op, insp = models.RoleAdmin, models.RoleOperator, models.RoleInspector
	fail := c.tx(qalab, insp, "RecordInspection", contract.RecordInspectionArgs{Batch: "CON-1", Type: "strength_28d",
		Verdict: models.VerdictFail, Notes: "cubes 26.1 MPa against C30"})
	id := c.tx(qalab, insp, "OpenCase", contract.OpenCaseArgs{Kind: models.CaseNonConformance, Batch: "CON-1",
		Severity: contract.SeverityHigh, Reason: "28-day cubes below C30", TargetDate: "2026-04-30",
		SourceInspection: fail, Usages: []string{slab}})
	var opened models.Case
	raw, _ := c.st.Get(models.Key(models.PrefixCase, id))
	_ = json.Unmarshal(raw, &opened)
	for _, o := range opened.Orgs {
		c.tx(o.Org, admin, "AcknowledgeCase", contract.AcknowledgeCaseArgs{Case: id, Note: "seen by " + o.Org})
	}
	c.tx(buildco, op, "RecordDisposition", contract.RecordDispositionArgs{Case: id, Items: []contract.UsageDisposition{
		{Usage: slab, Disposition: models.DispositionAcceptAsIs, Justification: "cores 31.5 MPa"}}})
	c.tx(gov, admin, "OpenCase", contract.OpenCaseArgs{Kind: models.CaseNonConformance, Batch: "BAR-1",
		Severity: contract.SeverityMedium, Reason: "bent bars", TargetDate: "2026-05-01"})
}

// source is a ledger event stream over a chain's events, for Run and
// Rebuild. More events may be appended while it runs.
type source struct {
	mu      sync.Mutex
	events  []ledger.Event
	changed chan struct{}
}

func newSource(evs []ledger.Event) *source {
	return &source{events: evs, changed: make(chan struct{})}
}

func (s *source) append(evs ...ledger.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, evs...)
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *source) Head(context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint64(len(s.events)), nil
}

func (s *source) Events(ctx context.Context, after uint64, fn func(ledger.Event) error) error {
	for {
		s.mu.Lock()
		evs, changed := s.events, s.changed
		s.mu.Unlock()
		for after < uint64(len(evs)) {
			if err := fn(evs[after]); err != nil {
				return err
			}
			after++
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

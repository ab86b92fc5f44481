package contract

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"testing"

	"github.com/plumbline/plumbline/models"
)

// TestConservation runs random sequences of commission, dispatch, receive,
// use, inspect, release, recall, split and merge with a fixed seed, and
// checks after every transaction that, per product, what remains plus what
// was used never exceeds what was commissioned, and equals it once the
// losses transformations declare are counted. Rejected transactions must
// leave the state untouched.
func TestConservation(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { conserve(t, seed, 400) })
	}
}

func conserve(t *testing.T, seed int64, steps int) {
	f := newFx(t)
	r := rand.New(rand.NewSource(seed))
	commissioned := map[string]models.Decimal{} // product → commissioned quantity
	lost := map[string]models.Decimal{}         // product → declared transformation loss
	orgs := []string{cemco, steelco, buildco, otherco, gov}
	accepted := 0
	for step := 0; step < steps; step++ {
		batches := f.batches()
		pick := func() models.Batch {
			if len(batches) == 0 {
				return models.Batch{Code: "none", Custodian: cemco}
			}
			return batches[r.Intn(len(batches))]
		}
		qty := func(b models.Batch) models.Decimal {
			if b.Remaining <= 0 || r.Intn(8) == 0 {
				return models.Decimal(r.Int63n(5000) + 1)
			}
			return models.Decimal(r.Int63n(int64(b.Remaining)+int64(b.Remaining)/10) + 1)
		}
		by := func(b models.Batch) string { // usually the custodian, sometimes a stranger
			if r.Intn(6) == 0 {
				return orgs[r.Intn(len(orgs))]
			}
			return b.Custodian
		}
		var (
			org      string
			typ      string
			args     any
			onAccept func()
		)
		switch op := r.Intn(10); {
		case op == 0 || len(batches) < 3:
			p := []string{cement, rebar, rebar16}[r.Intn(3)]
			q := models.Decimal(r.Int63n(100000) + 1)
			org, typ = map[string]string{cement: cemco, rebar: steelco, rebar16: steelco}[p], "CommissionBatch"
			args = CommissionBatchArgs{Code: fmt.Sprintf("B%d", step), ProductID: p, Quantity: q, ProducedOn: "2025-01-01"}
			onAccept = func() { commissioned[p] += q }
		case op <= 2:
			b, c := pick(), pick()
			to := []string{buildco, otherco, mixco}[r.Intn(3)]
			site := ""
			if to == buildco {
				site = "tower-b"
			}
			lines := []DispatchLine{{Batch: b.Code, Quantity: qty(b)}}
			if c.Code != b.Code && r.Intn(2) == 0 {
				lines = append(lines, DispatchLine{Batch: c.Code, Quantity: qty(c)})
			}
			org, typ, args = by(b), "DispatchShipment", dispatch(fmt.Sprintf("S%d", step), to, site, lines...)
		case op == 3:
			sh, ok := f.inTransit(r)
			if !ok {
				continue
			}
			var lines []ReceiptLine
			for _, l := range sh.Lines {
				rej := models.Decimal(0)
				if r.Intn(3) == 0 {
					rej = models.Decimal(r.Int63n(int64(l.Quantity) + 1))
				}
				lines = append(lines, ReceiptLine{Line: l.Line, Accepted: l.Quantity - rej, Rejected: rej, Reason: "damaged"})
			}
			org, typ, args = sh.To, "ReceiveShipment", ReceiveShipmentArgs{Shipment: sh.Code, Lines: lines}
		case op <= 5:
			b := pick()
			for i := 0; i < 5 && b.Custodian != buildco && b.Custodian != otherco; i++ {
				b = pick() // prefer batches a contractor holds
			}
			org, typ, args = by(b), "RecordUsage", RecordUsageArgs{Batch: b.Code, Quantity: qty(b), Location: loc()}
		case op == 6:
			b := pick()
			v := []models.Verdict{models.VerdictPass, models.VerdictPass, models.VerdictFail}[r.Intn(3)]
			org, typ, args = qalab, "RecordInspection", RecordInspectionArgs{Batch: b.Code, Type: "incoming", Verdict: v, Notes: "random"}
			if r.Intn(4) == 0 {
				typ, args = "ReleaseHold", ReleaseHoldArgs{Batch: b.Code, Reason: "reviewed"}
			}
		case op == 7:
			b := pick()
			in := qty(b)
			a := TransformBatchesArgs{Kind: TransformSplit, Inputs: []models.BatchInput{{Code: b.Code, Quantity: in}}}
			left := in
			for i := 0; i < 1+r.Intn(3) && left > 0; i++ {
				q := models.Decimal(r.Int63n(int64(left)) + 1)
				if r.Intn(10) == 0 {
					q = left + 1 // sometimes too much
				}
				left -= q
				a.Outputs = append(a.Outputs, TransformOutput{Code: fmt.Sprintf("T%d-%d", step, i), ProductID: b.ProductID, Quantity: q, ProducedOn: "2025-01-02"})
			}
			org, typ, args = by(b), "TransformBatches", a
			onAccept = func() { lost[b.ProductID] += left }
		case op == 8:
			b, c := pick(), pick()
			qb, qc := qty(b), qty(c)
			out := qb + qc - models.Decimal(r.Int63n(3))
			a := TransformBatchesArgs{Kind: TransformMerge,
				Inputs:  []models.BatchInput{{Code: b.Code, Quantity: qb}, {Code: c.Code, Quantity: qc}},
				Outputs: []TransformOutput{{Code: fmt.Sprintf("M%d", step), ProductID: b.ProductID, Quantity: out, ProducedOn: "2025-01-02"}}}
			org, typ, args = by(b), "TransformBatches", a
			onAccept = func() { lost[b.ProductID] += qb + qc - out }
		default:
			b := pick()
			org, typ, args = b.Producer, "RecallBatch", RecallBatchArgs{Batch: b.Code, Reason: "random recall", Severity: SeverityLow}
			if r.Intn(5) != 0 {
				continue // recalls are rarer
			}
		}
		before := f.snapshot()
		_, err := f.exec(org, admin, typ, args)
		if err != nil {
			if !sameState(before, f.snapshot()) {
				t.Fatalf("step %d: rejected %s changed the state", step, typ)
			}
			continue
		}
		accepted++
		if onAccept != nil {
			onAccept()
		}
		f.checkConservation(t, step, typ, commissioned, lost)
	}
	if accepted < steps/4 {
		t.Errorf("only %d of %d random transactions were accepted; the generator is too wild to test much", accepted, steps)
	}
}

// checkConservation compares, per product, remaining + used + declared loss
// with what was commissioned.
func (f *fx) checkConservation(t *testing.T, step int, typ string, commissioned, lost map[string]models.Decimal) {
	t.Helper()
	have := map[string]models.Decimal{}
	for _, b := range f.batches() {
		if b.Remaining < 0 || b.Remaining > b.Quantity {
			t.Fatalf("step %d (%s): batch %s has remaining %s of %s", step, typ, b.Code, b.Remaining, b.Quantity)
		}
		if (b.Remaining == 0) != (b.Status == models.StatusDepleted) && b.Status != models.StatusRecalled {
			t.Fatalf("step %d (%s): batch %s remaining %s but status %s", step, typ, b.Code, b.Remaining, b.Status)
		}
		have[b.ProductID] += b.Remaining
	}
	for _, k := range f.st.keys(models.PrefixUsage) {
		var u models.Usage
		raw, _ := f.st.Get(k)
		_ = json.Unmarshal(raw, &u)
		var b models.Batch
		f.load(models.PrefixBatch, u.BatchCode, &b)
		have[b.ProductID] += u.Quantity
	}
	for p, c := range commissioned {
		if have[p] > c {
			t.Fatalf("step %d (%s): product %s has %s remaining+used, more than the %s commissioned", step, typ, p, have[p], c)
		}
		if have[p]+lost[p] != c {
			t.Fatalf("step %d (%s): product %s: remaining+used %s + lost %s != commissioned %s", step, typ, p, have[p], lost[p], c)
		}
	}
}

// batches returns every batch in key order.
func (f *fx) batches() []models.Batch {
	var bs []models.Batch
	for _, k := range f.st.keys(models.PrefixBatch) {
		var b models.Batch
		f.load("", k, &b)
		bs = append(bs, b)
	}
	return bs
}

// inTransit picks a random in-transit shipment.
func (f *fx) inTransit(r *rand.Rand) (models.Shipment, bool) {
	var open []models.Shipment
	for _, k := range f.st.keys(models.PrefixShipment) {
		var sh models.Shipment
		f.load("", k, &sh)
		if sh.Status == models.ShipmentInTransit {
			open = append(open, sh)
		}
	}
	if len(open) == 0 {
		return models.Shipment{}, false
	}
	return open[r.Intn(len(open))], true
}

package epcis

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// TestRedactorsFollowDeclaration: for every transaction type that maps to
// an event, the redactors cover exactly the fields the contract declares
// private, so a field declared private cannot go unredacted and the
// export hides nothing the declaration does not name.
func TestRedactorsFollowDeclaration(t *testing.T) {
	for typ, mp := range Mappings {
		p, ok := contract.PrivacyOf(typ)
		if !ok {
			t.Errorf("%s has no privacy declaration", typ)
			continue
		}
		var declared, redacted []string
		for _, f := range p.Private {
			declared = append(declared, f.Path)
		}
		for f := range redactors[typ] {
			redacted = append(redacted, f)
		}
		sort.Strings(declared)
		sort.Strings(redacted)
		if mp.EventType == "" {
			declared = nil // master data has no event to redact
		}
		if !slices.Equal(declared, redacted) {
			t.Errorf("%s: the contract declares %q private, the redactors clear %q", typ, declared, redacted)
		}
	}
	for typ := range redactors {
		if _, ok := Mappings[typ]; !ok {
			t.Errorf("redactors name %s, which has no mapping", typ)
		}
	}
}

// TestRedactedAsBefore: driven by the declaration, redaction leaves out
// exactly what the hand-written Event.Redact it replaced left out, for
// every event of the demo history, and leaves the mapped event whole.
func TestRedactedAsBefore(t *testing.T) {
	h := loadDemo(t)
	m := h.mapper()
	n := 0
	for _, tx := range h.txs {
		mp, err := m.Map(context.Background(), tx)
		if err != nil {
			continue
		}
		before, _ := json.Marshal(mp.Event)
		got, _ := json.Marshal(mp.Redacted())
		want := mp.Event
		legacyRedact(&want)
		wantRaw, _ := json.Marshal(want)
		if string(got) != string(wantRaw) {
			t.Errorf("%s %s:\n got %s\nwant %s", tx.Type, tx.TxID, got, wantRaw)
		}
		if after, _ := json.Marshal(mp.Event); string(after) != string(before) {
			t.Errorf("%s: Redacted changed the mapped event", tx.Type)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no events: the test proves nothing")
	}
}

// legacyRedact is Event.Redact as it was before the contract declared
// what is private (less its writing through e.Lines), kept as the oracle.
func legacyRedact(e *Event) {
	e.SensorElementList = nil
	e.Notes, e.Condition, e.Vehicle = "", "", ""
	if e.Disposition != "recalled" {
		e.Reason = ""
	}
	if e.Location != nil {
		e.Location, e.ReadPoint, e.BizLocation = nil, nil, nil
	}
	e.Documents = nil
	if e.Type != TransactionEvent {
		e.BizTransactionList = nil
	}
	e.Lines = slices.Clone(e.Lines)
	for i := range e.Lines {
		l := &e.Lines[i]
		l.Reason, l.PO, l.POLine = "", "", 0
	}
	if d := e.Document; d != nil && d.Visibility != string(models.Public) {
		e.Document = &DocumentInfo{Kind: d.Kind, Visibility: d.Visibility}
		e.CertificationInfo = nil
	}
	e.Usages, e.Dispositions = nil, nil
	if c := e.Correction; c != nil && c.TargetKind != "batch" {
		e.Correction = &Correction{TargetKind: c.TargetKind, TargetID: c.TargetID, Field: c.Field}
	}
}

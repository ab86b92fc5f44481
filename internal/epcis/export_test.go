package epcis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// TestEveryTypeHasMapping fails when a contract transaction type has no
// EPCIS mapping (an event, or master data).
func TestEveryTypeHasMapping(t *testing.T) {
	for _, typ := range contract.Types() {
		mp, ok := Mappings[typ]
		if !ok {
			t.Errorf("contract type %s has no entry in Mappings", typ)
			continue
		}
		_, exp := exporters[typ]
		if mp.EventType != "" && !exp {
			t.Errorf("%s maps to a %s but has no exporter", typ, mp.EventType)
		}
		if mp.EventType == "" && exp {
			t.Errorf("%s is master data but has an exporter", typ)
		}
	}
	for typ := range Mappings {
		if !slices.Contains(contract.Types(), typ) {
			t.Errorf("Mappings names %s, which is not a contract type", typ)
		}
	}
}

// TestExportEveryKindValidates maps every transaction of the demo history
// (every transaction type, real contract records) and checks one document
// per event kind, and one with all of them, against the official schema.
// It fails when a mapped type never occurs, so a kind cannot go untested.
func TestExportEveryKindValidates(t *testing.T) {
	h := loadDemo(t)
	m := h.mapper()
	byKind := map[string]Event{}
	types := map[string]bool{}
	var all []Event
	ids := map[string]int{}
	for i, tx := range h.txs {
		mp, err := m.Map(context.Background(), tx)
		if errors.Is(err, ErrMasterData) {
			continue
		}
		if err != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		k := kind(tx, mp.Event)
		if _, ok := byKind[k]; !ok {
			byKind[k] = mp.Event
		}
		types[tx.Type] = true
		all = append(all, mp.Event)
		if j, dup := ids[mp.Event.EventID]; dup {
			t.Errorf("transactions %d and %d have the same eventID %s", j, i, mp.Event.EventID)
		}
		ids[mp.Event.EventID] = i
		byKind[k+"/redacted"] = mp.Redacted()
	}
	for typ, mp := range Mappings {
		if mp.EventType != "" && !types[typ] {
			t.Errorf("the demo history has no %s: that kind goes untested", typ)
		}
	}
	for k, ev := range byKind {
		validateDoc(t, k, ev)
	}
	validateDoc(t, "all events", all...)
	t.Logf("%d events of %d kinds validate", len(all), len(byKind)/2)
}

// first returns the first mapped event of the demo for which match holds.
func first(t *testing.T, match func(tx Tx, ev Event) bool) (Tx, Event) {
	t.Helper()
	h := loadDemo(t)
	m := h.mapper()
	for _, tx := range h.txs {
		mp, err := m.Map(context.Background(), tx)
		if err != nil {
			continue
		}
		if match(tx, mp.Event) {
			return tx, mp.Event
		}
	}
	t.Fatal("no such event in the demo")
	return Tx{}, Event{}
}

// TestMappingPerKind checks what each kind of event says.
func TestMappingPerKind(t *testing.T) {
	for _, c := range []struct {
		name  string
		match func(tx Tx, ev Event) bool
		check func(t *testing.T, tx Tx, ev Event)
	}{
		{"commissioning with a lot", func(tx Tx, ev Event) bool {
			return tx.Type == "CommissionBatch" && ev.ILMD["cbvmda:lotNumber"] != nil
		}, func(t *testing.T, tx Tx, ev Event) {
			var a contract.CommissionBatchArgs
			_ = json.Unmarshal(tx.Args, &a)
			want(t, ev.Type, ObjectEvent)
			want(t, ev.Action+" "+ev.BizStep+" "+ev.Disposition, "ADD commissioning active")
			want[any](t, ev.ILMD["plb:batchCode"], a.Code)
			want[any](t, ev.ILMD["plb:producedOn"], a.ProducedOn)
			want(t, ev.QuantityList[0].Quantity.String(), a.Quantity.String())
			if !strings.HasPrefix(ev.QuantityList[0].EPCClass, testBase+"/01/") {
				t.Errorf("a lot of a product with a GTIN is a GS1 Digital Link: %s", ev.QuantityList[0].EPCClass)
			}
			want(t, ev.RecordedBy, testBase+"/epcis/parties/"+tx.Org)
		}},
		{"commissioning with a heat number", func(tx Tx, ev Event) bool {
			return tx.Type == "CommissionBatch" && ev.ILMD["plb:heatNumber"] != nil
		}, func(t *testing.T, tx Tx, ev Event) {
			var a contract.CommissionBatchArgs
			_ = json.Unmarshal(tx.Args, &a)
			want[any](t, ev.ILMD["plb:heatNumber"], a.HeatNumber)
		}},
		{"purchase order", func(tx Tx, ev Event) bool { return tx.Type == "CreatePurchaseOrder" }, func(t *testing.T, tx Tx, ev Event) {
			var a contract.CreatePurchaseOrderArgs
			_ = json.Unmarshal(tx.Args, &a)
			want(t, ev.Type+" "+ev.Action, "TransactionEvent ADD")
			want(t, ev.BizTransactionList[0], BizTransaction{"po", testBase + "/epcis/purchase-orders/" + a.ID})
			want(t, len(ev.QuantityList), len(a.Lines))
			want(t, ev.SourceList[0], Source{"owning_party", testBase + "/epcis/parties/" + a.Supplier})
		}},
		{"partial dispatch against a PO", func(tx Tx, ev Event) bool {
			return tx.Type == "DispatchShipment" && len(ev.Lines) > 0 && ev.Lines[0].Source != "" && ev.Lines[0].PO != ""
		}, func(t *testing.T, tx Tx, ev Event) {
			want(t, ev.BizStep+" "+ev.Disposition, "shipping in_transit")
			if !hasBizTx(ev, "po") || !hasBizTx(ev, "plb:shipment") {
				t.Errorf("bizTransactionList %v lacks po or shipment", ev.BizTransactionList)
			}
			if !strings.Contains(ev.QuantityList[0].EPCClass, "/b/") {
				t.Errorf("the part split off is named by its own code: %s", ev.QuantityList[0].EPCClass)
			}
			want(t, ev.SourceList[1].Type, "possessing_party")
			if ev.Carrier == "" {
				t.Error("no carrier")
			}
		}},
		{"dispatch with a delivery note", func(tx Tx, ev Event) bool { return tx.Type == "DispatchShipment" && hasBizTx(ev, "desadv") }, func(t *testing.T, tx Tx, ev Event) {}},
		{"receipt with a rejected part", func(tx Tx, ev Event) bool {
			return tx.Type == "ReceiveShipment" && slices.ContainsFunc(ev.Lines, func(l Line) bool { return *l.Rejected > 0 && *l.Accepted > 0 })
		}, func(t *testing.T, tx Tx, ev Event) {
			want(t, ev.BizStep+" "+ev.Disposition, "receiving available")
			for _, l := range ev.Lines {
				if *l.Rejected > 0 && l.Reason == "" {
					t.Error("a rejected part without its reason")
				}
			}
		}},
		{"failed inspection", func(tx Tx, ev Event) bool {
			return tx.Type == "RecordInspection" && ev.Verdict == "fail" && len(ev.SensorElementList) > 0
		}, func(t *testing.T, tx Tx, ev Event) {
			want(t, ev.BizStep+" "+ev.Disposition, "inspecting non_conformant")
			want(t, ev.PersistentDisposition.Set[0], "non_conformant")
			r := ev.SensorElementList[0].Report
			if !slices.ContainsFunc(r, func(r SensorReport) bool { return !*r.Pass && strings.HasPrefix(r.Type, "plb:") }) {
				t.Errorf("no failing measurement among %+v", r)
			}
		}},
		{"passed inspection", func(tx Tx, ev Event) bool { return tx.Type == "RecordInspection" && ev.Verdict == "pass" }, func(t *testing.T, tx Tx, ev Event) {
			want(t, ev.Disposition, "conformant")
		}},
		{"release", func(tx Tx, ev Event) bool { return tx.Type == "ReleaseHold" }, func(t *testing.T, tx Tx, ev Event) {
			want(t, ev.BizStep+" "+ev.Disposition, "holding available")
			want(t, ev.PersistentDisposition.Unset[0], "non_conformant")
		}},
		{"usage", func(tx Tx, ev Event) bool { return tx.Type == "RecordUsage" }, func(t *testing.T, tx Tx, ev Event) {
			want(t, ev.BizStep, "installing")
			if ev.BizLocation == nil || ev.ReadPoint == nil || !strings.HasPrefix(ev.BizLocation.ID, testBase+"/epcis/locations?") {
				t.Errorf("usage location %+v", ev.BizLocation)
			}
			id, err := Parse(ev.BizLocation.ID)
			if err != nil || id.Loc.Element != ev.Location.Element || id.Loc.Building != ev.Location.Building {
				t.Errorf("location %s parses as %+v, %v", ev.BizLocation.ID, id, err)
			}
		}},
		{"mix", func(tx Tx, ev Event) bool { return tx.Type == "TransformBatches" && ev.Kind == "mix" }, func(t *testing.T, tx Tx, ev Event) {
			want(t, ev.Type, TransformationEvent)
			if len(ev.InputQuantityList) < 2 || len(ev.OutputQuantityList) == 0 || ev.Yield == nil {
				t.Errorf("mix %+v", ev)
			}
		}},
		{"split", func(tx Tx, ev Event) bool { return tx.Type == "TransformBatches" && ev.Kind == "split" }, func(t *testing.T, tx Tx, ev Event) {
			want(t, len(ev.InputQuantityList), 1)
			if len(ev.Outputs) != len(ev.OutputQuantityList) || ev.Outputs[0].Code == "" {
				t.Errorf("outputs %+v", ev.Outputs)
			}
		}},
		{"recall", func(tx Tx, ev Event) bool { return tx.Type == "RecallBatch" }, func(t *testing.T, tx Tx, ev Event) {
			want(t, ev.Disposition, "recalled")
			if len(ev.Affected) < 2 || ev.Affected[0] != ev.QuantityList[0].EPCClass || ev.Reason == "" {
				t.Errorf("recall %+v", ev)
			}
		}},
		{"certificate", func(tx Tx, ev Event) bool { return tx.Type == "AttachDocument" && len(ev.CertificationInfo) > 0 }, func(t *testing.T, tx Tx, ev Event) {
			want(t, ev.CertificationInfo[0], testBase+"/files/"+ev.Document.SHA256)
		}},
		{"quality case", func(tx Tx, ev Event) bool { return tx.Type == "OpenCase" }, func(t *testing.T, tx Tx, ev Event) {
			want(t, ev.Case, testBase+"/cases/"+tx.TxID)
			if (ev.CaseKind == "recall") != (ev.Disposition == "recalled") || (ev.CaseKind == "non_conformance") != (ev.Disposition == "non_conformant") {
				t.Errorf("case %s has disposition %s", ev.CaseKind, ev.Disposition)
			}
			if len(ev.Affected) == 0 || ev.TargetDate == "" || ev.Severity == "" {
				t.Errorf("case %+v", ev)
			}
		}},
		{"acknowledgement", func(tx Tx, ev Event) bool { return tx.Type == "AcknowledgeCase" }, func(t *testing.T, tx Tx, ev Event) {
			if ev.Case == "" || len(ev.QuantityList) != 1 {
				t.Errorf("ack %+v", ev)
			}
		}},
		{"disposition", func(tx Tx, ev Event) bool { return tx.Type == "RecordDisposition" }, func(t *testing.T, tx Tx, ev Event) {
			replace := slices.ContainsFunc(ev.Dispositions, func(d UsageDisposition) bool { return d.Disposition == "replace" })
			if len(ev.Dispositions) == 0 || replace != (ev.Disposition == "needs_replacement") {
				t.Errorf("dispositions %+v, disposition %q", ev.Dispositions, ev.Disposition)
			}
		}},
		{"correction", func(tx Tx, ev Event) bool { return tx.Type == "CorrectEntry" }, func(t *testing.T, tx Tx, ev Event) {
			if ev.Correction == nil || ev.Correction.Value == "" || ev.Reason == "" {
				t.Errorf("correction %+v", ev)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx, ev := first(t, c.match)
			c.check(t, tx, ev)
			validateDoc(t, c.name, ev)
		})
	}
}

func hasBizTx(ev Event, typ string) bool {
	return slices.ContainsFunc(ev.BizTransactionList, func(b BizTransaction) bool { return b.Type == typ })
}

func want[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestEventIDsAreStable: mapping the same transaction twice gives the same
// ID, and the ID does not depend on the ledger's transaction ID (so the
// same transaction in another instance has the same ID).
func TestEventIDsAreStable(t *testing.T) {
	h := loadDemo(t)
	m := h.mapper()
	tx := h.txs[len(h.txs)-1]
	a, err := m.Map(context.Background(), tx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Map(context.Background(), tx)
	if a.Event.EventID != b.Event.EventID || !strings.HasPrefix(a.Event.EventID, "urn:uuid:") {
		t.Errorf("IDs %s, %s", a.Event.EventID, b.Event.EventID)
	}
	other := tx
	other.Seq, other.TxID = 99999, testTxID(-1)
	if tx.Type != "RecordUsage" && tx.Type != "RecordInspection" && tx.Type != "RecallBatch" {
		c, err := m.Map(context.Background(), other)
		if err != nil || c.Event.EventID != a.Event.EventID {
			t.Errorf("a different ledger position changed the ID: %v %v", c.Event.EventID, err)
		}
	}
	other = tx
	other.Time = tx.Time.Add(1)
	if eventID(other.Type, other.Org, other.Time.UTC().String(), other.Args) == a.Event.EventID {
		t.Error("a different time gave the same ID")
	}
}

// TestRedact: nothing private survives redaction, in any event of the demo.
func TestRedact(t *testing.T) {
	h := loadDemo(t)
	m := h.mapper()
	private := 0
	for _, tx := range h.txs {
		mp, err := m.Map(context.Background(), tx)
		if err != nil {
			continue
		}
		if mp.Event.Type == TransactionEvent {
			continue // purchase orders go to their parties only, whole
		}
		full, _ := json.Marshal(mp.Event)
		ev := mp.Redacted()
		raw, _ := json.Marshal(ev)
		for _, key := range []string{"sensorElementList", "plb:notes", "plb:usages", "plb:dispositions", "plb:condition", "plb:location", "bizLocation", "plb:vehicle", "plb:documents", `"po"`, "desadv", "plb:shipment"} {
			if strings.Contains(string(raw), key) {
				t.Errorf("%s: %s survives redaction: %s", tx.Type, key, raw)
			}
		}
		if tx.Type != "RecallBatch" && strings.Contains(string(raw), "plb:reason") {
			t.Errorf("%s: a reason survives redaction: %s", tx.Type, raw)
		}
		if ev.Document != nil && ev.Document.Visibility == string(models.Private) && ev.Document.SHA256 != "" {
			t.Errorf("a private document's hash survives: %s", raw)
		}
		if len(raw) < len(full) {
			private++
		}
	}
	if private == 0 {
		t.Error("no event had anything private: the test proves nothing")
	}
}

// TestSchemaRejects: the schema check finds what is wrong, and where.
func TestSchemaRejects(t *testing.T) {
	_, good := first(t, func(tx Tx, ev Event) bool { return tx.Type == "RecordUsage" })
	for _, c := range []struct {
		name    string
		edit    func(ev map[string]any)
		pointer string
	}{
		{"no eventTime", func(ev map[string]any) { delete(ev, "eventTime") }, "/epcisBody/eventList/0"},
		{"bad time zone", func(ev map[string]any) { ev["eventTimeZoneOffset"] = "+25:00" }, "/epcisBody/eventList/0/eventTimeZoneOffset"},
		{"bad uom", func(ev map[string]any) { ev["quantityList"].([]any)[0].(map[string]any)["uom"] = "tonnes" }, "/epcisBody/eventList/0/quantityList/0/uom"},
		{"CBV URI as a custom bizStep", func(ev map[string]any) { ev["bizStep"] = "urn:epcglobal:cbv:bizstep:pouring" }, "/epcisBody/eventList/0/bizStep"},
		{"no action", func(ev map[string]any) { delete(ev, "action") }, "/epcisBody/eventList/0"},
		{"unknown field", func(ev map[string]any) { ev["colour"] = "red" }, "/epcisBody/eventList/0/colour"},
		{"ilmd on OBSERVE", func(ev map[string]any) { ev["ilmd"] = map[string]any{"cbvmda:lotNumber": "x"} }, "/epcisBody/eventList/0/ilmd"},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw, _ := json.Marshal(NewDocument(good.eventTime(t), "", []Event{good}))
			var doc map[string]any
			_ = json.Unmarshal(raw, &doc)
			ev := doc["epcisBody"].(map[string]any)["eventList"].([]any)[0].(map[string]any)
			c.edit(ev)
			raw, _ = json.Marshal(doc)
			errs, err := ValidateBytes(raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) == 0 {
				t.Fatal("the broken document validates")
			}
			if !slices.ContainsFunc(errs, func(e SchemaError) bool { return e.Pointer == c.pointer }) {
				t.Errorf("no error at %s: %v", c.pointer, errs)
			}
		})
	}
	if errs, _ := ValidateBytes([]byte(`{"type":`)); len(errs) != 1 || errs[0].Pointer != "" {
		t.Errorf("broken JSON: %v", errs)
	}
}

func (e Event) eventTime(t *testing.T) time.Time {
	tm, err := time.Parse(time.RFC3339Nano, e.EventTime)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestValidateLargeDocument: a document large enough to be checked event
// by event finds the same errors, at the same pointers, as the schema does
// on the whole document.
func TestValidateLargeDocument(t *testing.T) {
	h := loadDemo(t)
	m := h.mapper()
	var evs []Event
	for _, tx := range h.txs {
		if mp, err := m.Map(context.Background(), tx); err == nil {
			evs = append(evs, mp.Event)
		}
		if len(evs) == 300 {
			break
		}
	}
	raw, _ := json.Marshal(NewDocument(time.Now(), "", evs))
	var doc map[string]any
	_ = json.Unmarshal(raw, &doc)
	list := doc["epcisBody"].(map[string]any)["eventList"].([]any)
	list[7].(map[string]any)["eventTimeZoneOffset"] = "+99:00"
	list[250].(map[string]any)["colour"] = "red"
	raw, _ = json.Marshal(doc)
	errs, err := ValidateBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := compiled()
	whole, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	want, _ := validate(s.doc, whole, nil)
	if len(errs) != 2 || !slices.Equal(errs, want) || errs[0].Pointer != "/epcisBody/eventList/7/eventTimeZoneOffset" || errs[1].Pointer != "/epcisBody/eventList/250/colour" {
		t.Errorf("per event: %v\nwhole document: %v", errs, want)
	}
}

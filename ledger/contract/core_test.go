package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/plumbline/plumbline/models"
)

func TestTypes(t *testing.T) {
	want := []string{"AcknowledgeCase", "AttachDocument", "CommissionBatch", "ContinueLog", "CorrectEntry", "CreatePurchaseOrder", "DispatchShipment",
		"OpenCase", "RecallBatch", "ReceiveShipment", "RecordDisposition", "RecordInspection", "RecordUsage", "RegisterOrganization",
		"RegisterProduct", "ReleaseHold", "TransformBatches"}
	if got := Types(); !slices.Equal(got, want) {
		t.Errorf("Types() = %v, want %v", got, want)
	}
}

func TestExecuteRejectsBadCalls(t *testing.T) {
	good := Call{TxID: "t1", Type: "ReleaseHold", Args: json.RawMessage(`{"batch":"B","reason":"r"}`), Org: qalab, User: "u", Role: inspector, Time: t0}
	for _, c := range []struct {
		name  string
		edit  func(c *Call)
		kind  error
		field string
	}{
		{"unknown type", func(c *Call) { c.Type = "Teleport" }, models.ErrInvalid, "type"},
		{"no tx id", func(c *Call) { c.TxID = "" }, models.ErrInvalid, "tx_id"},
		{"bad org", func(c *Call) { c.Org = "" }, models.ErrInvalid, "org"},
		{"no user", func(c *Call) { c.User = "" }, models.ErrInvalid, "user"},
		{"bad role", func(c *Call) { c.Role = "root" }, models.ErrInvalid, "role"},
		{"no time", func(c *Call) { c.Time = time.Time{} }, models.ErrInvalid, "time"},
		{"no args", func(c *Call) { c.Args = nil }, models.ErrInvalid, "args"},
		{"unknown field", func(c *Call) { c.Args = json.RawMessage(`{"batch":"B","reason":"r","force":true}`) }, models.ErrInvalid, "args"},
		{"trailing data", func(c *Call) { c.Args = json.RawMessage(`{"batch":"B","reason":"r"} {}`) }, models.ErrInvalid, "args"},
		{"batch not found", func(c *Call) {}, models.ErrNotFound, "batch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			before := f.snapshot()
			call := good
			c.edit(&call)
			_, err := Execute(f.st, call)
			var me *models.Error
			if !errors.As(err, &me) || !errors.Is(err, c.kind) || me.Field != c.field {
				t.Fatalf("err = %v, want %v on %q", err, c.kind, c.field)
			}
			if !sameState(before, f.snapshot()) {
				t.Error("state changed")
			}
		})
	}
}

func TestExecuteWritesSortedAndStored(t *testing.T) {
	f := newFx(t)
	f.commission("RB-1", rebar, "50")
	w := f.ok(steelco, operator, "DispatchShipment", dispatch("SH-1", buildco, "tower-a", line("RB-1", "20")))
	keys := make([]string, len(w))
	for i, x := range w {
		keys[i] = x.Key
		got, err := f.st.Get(x.Key)
		if err != nil || !bytes.Equal(got, x.Value) {
			t.Errorf("state at %s differs from the returned write", x.Key)
		}
	}
	if want := []string{"batch/RB-1", "batch/RB-1.1", "shipment/SH-1"}; !slices.Equal(keys, want) || !sort.StringsAreSorted(keys) {
		t.Errorf("write keys %v, want %v", keys, want)
	}
}

func TestCanonical(t *testing.T) {
	a := []byte(`{"code":"SH-1","to":"buildco","site":"tower-a","carrier":"haul",
		"lines":[{"batch":"RB-1","quantity":"20.50"}]}`)
	b := []byte(`{ "lines" : [ { "quantity" : 20.5, "batch" : "RB-1" } ], "carrier":"haul","site":"tower-a","to":"buildco","code":"SH-1" }`)
	ca, err := Canonical("DispatchShipment", a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := Canonical("DispatchShipment", b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ca, cb) {
		t.Errorf("canonical forms differ:\n%s\n%s", ca, cb)
	}
	const want = `{"code":"SH-1","to":"buildco","site":"tower-a","carrier":"haul","lines":[{"batch":"RB-1","quantity":20.5}]}`
	if string(ca) != want {
		t.Errorf("canonical = %s, want %s", ca, want)
	}
	for _, bad := range []string{
		`{"code":"SH-1","to":"buildco","carrier":"haul","lines":[{"batch":"RB-1","quantity":1,"colour":"red"}]}`,
		`{"code":"SH-1","to":"buildco","carrier":"haul","lines":[{"batch":"RB-1","quantity":1}],"urgent":true}`,
		`{"code":"SH-1","to":"buildco","carrier":"haul","lines":[{"batch":"RB-1","quantity":1.0001}]}`,
	} {
		if _, err := Canonical("DispatchShipment", []byte(bad)); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("Canonical(%s) = %v, want invalid", bad, err)
		}
	}
	if _, err := Canonical("Nope", a); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("unknown type: %v", err)
	}
}

// scenario runs one fixed business story and returns every write.
func scenario(t *testing.T) [][]Write {
	f := newFx(t)
	var all [][]Write
	do := func(org string, role models.Role, typ string, args any) {
		all = append(all, f.ok(org, role, typ, args))
	}
	do(cemco, operator, "CommissionBatch", CommissionBatchArgs{Code: "CEM-1", ProductID: cement, Quantity: dec("100"), ProducedOn: "2025-02-20"})
	do(buildco, operator, "CreatePurchaseOrder", CreatePurchaseOrderArgs{ID: "PO-1", Supplier: cemco, Lines: []OrderLine{{Line: 1, ProductID: cement, Quantity: dec("60")}}})
	do(cemco, operator, "DispatchShipment", dispatch("SH-1", buildco, "tower-a", DispatchLine{Batch: "CEM-1", Quantity: dec("60"), POID: "PO-1", POLine: 1}))
	do(buildco, operator, "ReceiveShipment", ReceiveShipmentArgs{Shipment: "SH-1", Lines: []ReceiptLine{{Line: 1, Accepted: dec("55"), Rejected: dec("5"), Reason: "wet bags"}}})
	do(qalab, inspector, "RecordInspection", RecordInspectionArgs{Batch: "CEM-1.1", Type: "incoming", Verdict: models.VerdictPass,
		Results: []InspectionResult{{Property: "compressive_strength_28d", Value: dec("45")}}})
	do(buildco, operator, "RecordUsage", RecordUsageArgs{Batch: "CEM-1.1", Quantity: dec("5"), Location: loc()})
	do(buildco, operator, "TransformBatches", TransformBatchesArgs{Kind: TransformMix, Yield: decp("120"),
		Inputs: []models.BatchInput{{Code: "CEM-1.1", Quantity: dec("40")}}, Outputs: []TransformOutput{{Code: "POUR-1", ProductID: concrete, Quantity: dec("120"), ProducedOn: "2025-03-03"}}})
	do(cemco, admin, "RecallBatch", RecallBatchArgs{Batch: "CEM-1", Reason: "chloride content", Severity: SeverityCritical})
	return all
}

func TestDeterminism(t *testing.T) {
	a, b := scenario(t), scenario(t)
	if len(a) != len(b) {
		t.Fatalf("runs differ in length")
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			t.Fatalf("tx %d: %d writes vs %d", i, len(a[i]), len(b[i]))
		}
		for j := range a[i] {
			if a[i][j].Key != b[i][j].Key || !bytes.Equal(a[i][j].Value, b[i][j].Value) {
				t.Errorf("tx %d write %d differs: %s", i, j, a[i][j].Key)
			}
		}
	}
	// The recall reaches the batch mixed from the cement.
	last := a[len(a)-1]
	var rc models.Recall
	for _, w := range last {
		if p, _ := models.SplitKey(w.Key); p == models.PrefixRecall {
			_ = json.Unmarshal(w.Value, &rc)
		}
	}
	if want := []string{"CEM-1", "CEM-1.1", "CEM-1.1.1", "POUR-1"}; !slices.Equal(rc.Affected, want) {
		t.Errorf("recall affected %v, want %v", rc.Affected, want)
	}
}

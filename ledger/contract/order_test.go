package contract

import (
	"encoding/json"
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestCreatePurchaseOrder(t *testing.T) {
	po := func(id, supplier string, lines ...OrderLine) CreatePurchaseOrderArgs {
		return CreatePurchaseOrderArgs{ID: id, Supplier: supplier, Site: "tower-a", Lines: lines}
	}
	l := func(n int, p, q string) OrderLine { return OrderLine{Line: n, ProductID: p, Quantity: dec(q)} }
	runRules(t, []rule{
		{name: "contractor orders", org: buildco, role: operator, typ: "CreatePurchaseOrder",
			args: po("PO-1", steelco, l(1, rebar, "20"), l(2, rebar16, "5")),
			check: func(t *testing.T, f *fx) {
				var got models.PurchaseOrder
				f.load(models.PrefixPO, "PO-1", &got)
				if got.Buyer != buildco || got.Status != POOpen || len(got.Lines) != 2 || got.Lines[1].Unit != "t" {
					t.Errorf("stored %+v", got)
				}
			}},
		{name: "ready-mix plant buys cement", org: mixco, role: admin, typ: "CreatePurchaseOrder",
			args: CreatePurchaseOrderArgs{ID: "PO-2", Supplier: cemco, Lines: []OrderLine{l(1, cement, "30")}}},
		{name: "carrier may not", org: haul, role: admin, typ: "CreatePurchaseOrder", args: po("PO-1", steelco, l(1, rebar, "1")),
			kind: models.ErrForbidden, msg: "carrier organization may not place purchase orders"},
		{name: "supplier must be a manufacturer", org: buildco, role: operator, typ: "CreatePurchaseOrder", args: po("PO-1", haul, l(1, rebar, "1")),
			kind: models.ErrInvalid, field: "supplier", msg: "orders go to manufacturers"},
		{name: "unknown supplier", org: buildco, role: operator, typ: "CreatePurchaseOrder", args: po("PO-1", "ghost", l(1, rebar, "1")),
			kind: models.ErrNotFound, field: "supplier"},
		{name: "product of another supplier", org: buildco, role: operator, typ: "CreatePurchaseOrder", args: po("PO-1", steelco, l(1, cement, "1")),
			kind: models.ErrInvalid, field: "lines[0].product_id", msg: "made by cemco"},
		{name: "lines out of order", org: buildco, role: operator, typ: "CreatePurchaseOrder", args: po("PO-1", steelco, l(2, rebar, "1")),
			kind: models.ErrInvalid, field: "lines[0].line", msg: "numbered 1, 2, 3"},
		{name: "negative quantity", org: buildco, role: operator, typ: "CreatePurchaseOrder", args: po("PO-1", steelco, l(1, rebar, "-1")),
			kind: models.ErrInvalid, field: "lines[0].quantity"},
		{name: "no lines", org: buildco, role: operator, typ: "CreatePurchaseOrder", args: po("PO-1", steelco),
			kind: models.ErrInvalid, field: "lines"},
		{name: "not the buyer's site", org: buildco, role: operator, typ: "CreatePurchaseOrder",
			args: CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco, Site: "mars", Lines: []OrderLine{l(1, rebar, "1")}},
			kind: models.ErrInvalid, field: "site", msg: "tower-a, tower-b"},
		{name: "due date on the order date", org: buildco, role: operator, typ: "CreatePurchaseOrder",
			args: CreatePurchaseOrderArgs{ID: "PO-D", Supplier: steelco, Lines: []OrderLine{l(1, rebar, "1")}, DeliverBy: "2025-03-01"},
			check: func(t *testing.T, f *fx) {
				var got models.PurchaseOrder
				f.load(models.PrefixPO, "PO-D", &got)
				if got.DeliverBy != "2025-03-01" {
					t.Errorf("deliver_by stored as %q", got.DeliverBy)
				}
			}},
		{name: "due date before the order date", org: buildco, role: operator, typ: "CreatePurchaseOrder",
			args: CreatePurchaseOrderArgs{ID: "PO-D", Supplier: steelco, Lines: []OrderLine{l(1, rebar, "1")}, DeliverBy: "2025-02-28"},
			kind: models.ErrInvalid, field: "deliver_by", msg: "before the order date 2025-03-01"},
		{name: "due date not a date", org: buildco, role: operator, typ: "CreatePurchaseOrder",
			args: CreatePurchaseOrderArgs{ID: "PO-D", Supplier: steelco, Lines: []OrderLine{l(1, rebar, "1")}, DeliverBy: "1/4/2025"},
			kind: models.ErrInvalid, field: "deliver_by", msg: "YYYY-MM-DD"},
		{name: "duplicate id", setup: func(f *fx) {
			f.ok(buildco, operator, "CreatePurchaseOrder", po("PO-1", steelco, l(1, rebar, "1")))
		}, org: buildco, role: operator, typ: "CreatePurchaseOrder", args: po("PO-1", steelco, l(1, rebar, "1")),
			kind: models.ErrConflict, field: "id"},
	})
}

// TestPurchaseOrderWithoutDueDateKeepsItsBytes pins the canonical arguments
// and the stored record of an order placed before deliver_by existed: the
// embedded ledger replays old entries and compares their bytes, so the
// optional field must leave them exactly as they were.
func TestPurchaseOrderWithoutDueDateKeepsItsBytes(t *testing.T) {
	old := `{"id":"PO-7","supplier":"steelco","site":"tower-a","lines":[{"line":1,"product_id":"rebar-12","quantity":20}]}`
	got, err := Canonical("CreatePurchaseOrder", []byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != old {
		t.Errorf("canonical args changed:\n got %s\nwant %s", got, old)
	}
	withDue, err := Canonical("CreatePurchaseOrder", []byte(`{"id":"PO-8","supplier":"steelco","lines":[{"line":1,"product_id":"rebar-12","quantity":"20"}],"deliver_by":"2025-04-01"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"PO-8","supplier":"steelco","lines":[{"line":1,"product_id":"rebar-12","quantity":20}],"deliver_by":"2025-04-01"}`; string(withDue) != want {
		t.Errorf("canonical args with a due date:\n got %s\nwant %s", withDue, want)
	}
	rec, err := json.Marshal(models.PurchaseOrder{ID: "PO-7", Buyer: "buildco", Supplier: "steelco", Lines: []models.POLine{}, Status: POOpen, TxID: "t", IssuedAt: "2025-03-01T08:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"PO-7","buyer":"buildco","supplier":"steelco","lines":[],"status":"open","tx_id":"t","issued_at":"2025-03-01T08:00:00Z"}`; string(rec) != want {
		t.Errorf("stored record changed:\n got %s\nwant %s", rec, want)
	}
}

package contract

import (
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
		{name: "duplicate id", setup: func(f *fx) {
			f.ok(buildco, operator, "CreatePurchaseOrder", po("PO-1", steelco, l(1, rebar, "1")))
		}, org: buildco, role: operator, typ: "CreatePurchaseOrder", args: po("PO-1", steelco, l(1, rebar, "1")),
			kind: models.ErrConflict, field: "id"},
	})
}

package contract

import (
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestRegisterProduct(t *testing.T) {
	p := func(id, mfr string) RegisterProductArgs {
		return RegisterProductArgs{Product: models.Product{
			ID: id, Name: "Sand", Category: models.CatAggregate, Standard: "GB/T 14684", Unit: "t", Manufacturer: mfr,
		}}
	}
	runRules(t, []rule{
		{name: "manufacturer operator registers own product", org: cemco, role: operator, typ: "RegisterProduct", args: p("sand", cemco),
			check: func(t *testing.T, f *fx) {
				var got models.Product
				f.load(models.PrefixProduct, "sand", &got)
				if got.Manufacturer != cemco || got.TxID == "" {
					t.Errorf("stored %+v", got)
				}
			}},
		{name: "contractor may not", org: buildco, role: admin, typ: "RegisterProduct", args: p("sand", buildco),
			kind: models.ErrForbidden, msg: "contractor organization may not register products"},
		{name: "viewer may not", org: cemco, role: viewer, typ: "RegisterProduct", args: p("sand", cemco),
			kind: models.ErrForbidden, msg: "viewer role may not"},
		{name: "another manufacturer's product", org: cemco, role: admin, typ: "RegisterProduct", args: p("sand", steelco),
			kind: models.ErrForbidden, msg: "registers only its own products"},
		{name: "duplicate id", org: cemco, role: admin, typ: "RegisterProduct", args: p(cement, cemco),
			kind: models.ErrConflict, field: "product.id", msg: "already registered"},
		{name: "invalid unit", org: cemco, role: admin, typ: "RegisterProduct",
			args: RegisterProductArgs{Product: models.Product{ID: "x", Name: "x", Category: models.CatOther, Standard: "s", Unit: "bags", Manufacturer: cemco}},
			kind: models.ErrInvalid, field: "product.unit", msg: `"bags" is not one of`},
		{name: "unregistered submitter", org: "ghost", role: admin, typ: "RegisterProduct", args: p("sand", "ghost"),
			kind: models.ErrForbidden, msg: "not registered"},
	})
}

func TestCommissionBatch(t *testing.T) {
	args := func(code, product, qty string) CommissionBatchArgs {
		return CommissionBatchArgs{Code: code, ProductID: product, Quantity: dec(qty), ProducedOn: "2025-02-20", HeatNumber: "H7"}
	}
	runRules(t, []rule{
		{name: "hold-point product starts pending", org: cemco, role: operator, typ: "CommissionBatch", args: args("CEM-1", cement, "12.5"),
			check: func(t *testing.T, f *fx) {
				b := f.batch("CEM-1")
				if b.Producer != cemco || b.Owner != cemco || b.Custodian != cemco || b.Remaining != dec("12.5") ||
					b.Unit != "t" || b.Status != models.StatusAvailable || b.Inspection != models.InspPending ||
					b.TxID == "" || b.UpdatedTx != b.TxID || b.CreatedAt == "" || b.HeatNumber != "H7" {
					t.Errorf("stored %+v", b)
				}
			}},
		{name: "no hold point is not_required", org: steelco, role: admin, typ: "CommissionBatch", args: args("RB-1", rebar, "3"),
			check: func(t *testing.T, f *fx) {
				if b := f.batch("RB-1"); b.Inspection != models.InspNotRequired {
					t.Errorf("inspection = %s", b.Inspection)
				}
			}},
		{name: "zero quantity", org: cemco, role: operator, typ: "CommissionBatch", args: args("CEM-1", cement, "0"),
			kind: models.ErrInvalid, field: "quantity", msg: "greater than 0"},
		{name: "bad code", org: cemco, role: operator, typ: "CommissionBatch", args: args("CEM 1", cement, "1"),
			kind: models.ErrInvalid, field: "code", msg: "letters, digits"},
		{name: "bad date", org: cemco, role: operator, typ: "CommissionBatch",
			args: CommissionBatchArgs{Code: "C", ProductID: cement, Quantity: dec("1"), ProducedOn: "20/02/2025"},
			kind: models.ErrInvalid, field: "produced_on", msg: "YYYY-MM-DD"},
		{name: "bad document hash", org: cemco, role: operator, typ: "CommissionBatch",
			args: CommissionBatchArgs{Code: "C", ProductID: cement, Quantity: dec("1"), ProducedOn: "2025-01-01", Documents: []string{"ABC"}},
			kind: models.ErrInvalid, field: "documents[0]", msg: "SHA-256"},
		{name: "unknown product", org: cemco, role: operator, typ: "CommissionBatch", args: args("C", "nope", "1"),
			kind: models.ErrNotFound, field: "product_id", msg: `product "nope" does not exist`},
		{name: "another manufacturer's product", org: cemco, role: operator, typ: "CommissionBatch", args: args("C", rebar, "1"),
			kind: models.ErrForbidden, field: "product_id", msg: "belongs to steelco"},
		{name: "contractor may not", org: buildco, role: admin, typ: "CommissionBatch", args: args("C", cement, "1"),
			kind: models.ErrForbidden, msg: "may not commission"},
		{name: "inspector role may not", org: cemco, role: inspector, typ: "CommissionBatch", args: args("C", cement, "1"),
			kind: models.ErrForbidden, msg: "inspector role"},
		{name: "duplicate code", setup: func(f *fx) { f.commission("C", cement, "1") },
			org: cemco, role: operator, typ: "CommissionBatch", args: args("C", cement, "1"),
			kind: models.ErrConflict, field: "code", msg: "already exists"},
	})
}

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

package contract

import (
	"testing"

	"github.com/plumbline/plumbline/models"
)

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

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

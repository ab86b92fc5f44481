package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/models"
)

const (
	admin     = models.RoleAdmin
	operator  = models.RoleOperator
	inspector = models.RoleInspector
	viewer    = models.RoleViewer
)

// Fixture organizations and products.
const (
	gov      = "gov"       // authority
	cemco    = "cemco"     // manufacturer of cement (hold point, spec limits)
	steelco  = "steelco"   // manufacturer of rebar (no hold point)
	mixco    = "mixco"     // ready-mix plant: manufacturer of concrete (hold point)
	haul     = "haul"      // carrier
	buildco  = "buildco"   // contractor with sites tower-a, tower-b
	otherco  = "otherco"   // contractor without sites
	qalab    = "qalab"     // inspection agency
	cement   = "cem-425"   // cemco, inspection required
	rebar    = "hrb400-12" // steelco, no inspection
	rebar16  = "hrb400-16" // steelco, no inspection
	concrete = "c30"       // mixco, inspection required
)

var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// fx is a contract test fixture: a memory state with the organizations and
// products above registered, and a transaction counter.
type fx struct {
	t  *testing.T
	st *MemState
	n  int
}

func dec(s string) models.Decimal   { return models.MustDecimal(s) }
func decp(s string) *models.Decimal { d := dec(s); return &d }

func newFx(t *testing.T) *fx {
	t.Helper()
	f := &fx{t: t, st: NewMemState()}
	for _, o := range []models.Organization{
		{ID: gov, Name: "City Building Authority", Kind: models.KindAuthority},
		{ID: cemco, Name: "Cement Co", Kind: models.KindManufacturer},
		{ID: steelco, Name: "Steel Co", Kind: models.KindManufacturer},
		{ID: mixco, Name: "Mix Co", Kind: models.KindManufacturer},
		{ID: haul, Name: "Haulage", Kind: models.KindCarrier},
		{ID: buildco, Name: "Build Co", Kind: models.KindContractor, Sites: []string{"tower-a", "tower-b"}},
		{ID: otherco, Name: "Other Co", Kind: models.KindContractor},
		{ID: qalab, Name: "QA Lab", Kind: models.KindInspection},
	} {
		f.ok(gov, admin, "RegisterOrganization", RegisterOrganizationArgs{Organization: o})
	}
	f.ok(cemco, operator, "RegisterProduct", RegisterProductArgs{Product: models.Product{
		ID: cement, Name: "P.O 42.5", Category: models.CatCement, Standard: "GB 175-2023", Unit: "t",
		InspectionRequired: true, Manufacturer: cemco,
		SpecLimits: []models.SpecLimit{
			{Property: "compressive_strength_28d", Unit: "MPa", Min: decp("42.5")},
			{Property: "initial_setting_time", Unit: "min", Min: decp("45"), Max: decp("600")},
		},
	}})
	for _, id := range []string{rebar, rebar16} {
		f.ok(steelco, operator, "RegisterProduct", RegisterProductArgs{Product: models.Product{
			ID: id, Name: "HRB400 " + id, Category: models.CatRebar, Standard: "GB 1499.2", Unit: "t", Manufacturer: steelco,
			SpecLimits: []models.SpecLimit{{Property: "yield_strength", Unit: "MPa", Min: decp("400")}},
		}})
	}
	f.ok(mixco, admin, "RegisterProduct", RegisterProductArgs{Product: models.Product{
		ID: concrete, Name: "C30", Category: models.CatReadyMix, Standard: "GB/T 14902", Unit: "m3",
		InspectionRequired: true, Manufacturer: mixco,
		SpecLimits: []models.SpecLimit{{Property: "slump", Unit: "mm", Min: decp("160"), Max: decp("220")}},
	}})
	return f
}

// exec runs one transaction with the next transaction ID and time.
func (f *fx) exec(org string, role models.Role, typ string, args any) ([]Write, error) {
	f.t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		f.t.Fatal(err)
	}
	f.n++
	return Execute(f.st, Call{
		TxID: fmt.Sprintf("tx%04d", f.n), Type: typ, Args: raw,
		Org: org, User: org + "-user", Role: role, Time: t0.Add(time.Duration(f.n) * time.Minute),
	})
}

// ok runs a transaction that must be accepted.
func (f *fx) ok(org string, role models.Role, typ string, args any) []Write {
	f.t.Helper()
	w, err := f.exec(org, role, typ, args)
	if err != nil {
		f.t.Fatalf("%s by %s/%s: %v", typ, org, role, err)
	}
	return w
}

func (f *fx) snapshot() map[string][]byte { return maps.Clone(f.st.kv) }

func sameState(a, b map[string][]byte) bool {
	return maps.EqualFunc(a, b, func(x, y []byte) bool { return bytes.Equal(x, y) })
}

func (f *fx) batch(code string) models.Batch {
	f.t.Helper()
	var b models.Batch
	f.load(models.PrefixBatch, code, &b)
	return b
}

func (f *fx) load(prefix, id string, v any) {
	f.t.Helper()
	raw, err := f.st.Get(models.Key(prefix, id))
	if err != nil {
		f.t.Fatalf("load %s%s: %v", prefix, id, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		f.t.Fatal(err)
	}
}

// commission creates a batch of product by its manufacturer.
func (f *fx) commission(code, product, qty string) {
	f.t.Helper()
	var p models.Product
	f.load(models.PrefixProduct, product, &p)
	f.ok(p.Manufacturer, operator, "CommissionBatch", CommissionBatchArgs{
		Code: code, ProductID: product, Quantity: dec(qty), ProducedOn: "2025-02-20", Origin: "Plant 1", LotNumber: "L1",
	})
}

// ship dispatches qty of batch from its custodian to buildco's tower-a.
func (f *fx) ship(code, from, batch, qty string) {
	f.t.Helper()
	f.ok(from, operator, "DispatchShipment", DispatchShipmentArgs{
		Code: code, To: buildco, Site: "tower-a", Carrier: haul,
		Lines: []DispatchLine{{Batch: batch, Quantity: dec(qty)}},
	})
}

// receiveAll accepts every line of a shipment in full.
func (f *fx) receiveAll(code string) {
	f.t.Helper()
	var sh models.Shipment
	f.load(models.PrefixShipment, code, &sh)
	var lines []ReceiptLine
	for _, l := range sh.Lines {
		lines = append(lines, ReceiptLine{Line: l.Line, Accepted: l.Quantity})
	}
	f.ok(sh.To, operator, "ReceiveShipment", ReceiveShipmentArgs{Shipment: code, Lines: lines})
}

// inspect records a passing (or, with fail, failing) incoming inspection.
func (f *fx) inspect(batch string, v models.Verdict) {
	f.t.Helper()
	a := RecordInspectionArgs{Batch: batch, Type: "incoming", Verdict: v}
	if v == models.VerdictFail {
		a.Notes = "cracked bags"
	}
	f.ok(qalab, inspector, "RecordInspection", a)
}

// delivered gives buildco a batch of qty cement (passed inspection when
// pass) and a batch of rebar, both whole, at tower-a.
func (f *fx) delivered(pass bool) {
	f.t.Helper()
	f.commission("CEM-1", cement, "100")
	f.commission("RB-1", rebar, "50")
	f.ship("SH-C", cemco, "CEM-1", "100")
	f.ship("SH-R", steelco, "RB-1", "50")
	f.receiveAll("SH-C")
	f.receiveAll("SH-R")
	if pass {
		f.inspect("CEM-1", models.VerdictPass)
	}
}

// rule is one case of a table-driven rule test: an optional setup, a
// transaction, and either the expected rejection or checks on acceptance.
type rule struct {
	name  string
	setup func(f *fx)
	org   string
	role  models.Role
	typ   string
	args  any
	kind  error  // nil when the transaction must be accepted
	field string // expected Field of the rejection
	msg   string // expected substring of the rejection message
	check func(t *testing.T, f *fx)
}

// runRules runs each case on a fresh fixture. A rejection must be a
// *models.Error of the expected kind and field, and leave the state
// byte-identical.
func runRules(t *testing.T, cases []rule) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			if c.setup != nil {
				c.setup(f)
			}
			runRule(t, f, c)
		})
	}
}

// runRule runs the transaction of c on a prepared fixture and checks the
// outcome as runRules does.
func runRule(t *testing.T, f *fx, c rule) {
	t.Helper()
	before := f.snapshot()
	_, err := f.exec(c.org, c.role, c.typ, c.args)
	if c.kind == nil {
		if err != nil {
			t.Fatalf("rejected: %v", err)
		}
		if c.check != nil {
			c.check(t, f)
		}
		return
	}
	if err == nil {
		t.Fatalf("accepted, want %v", c.kind)
	}
	var me *models.Error
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T) is not a *models.Error", err, err)
	}
	if !errors.Is(err, c.kind) {
		t.Errorf("error %v is not %v", err, c.kind)
	}
	if me.Field != c.field {
		t.Errorf("field = %q, want %q (error: %v)", me.Field, c.field, err)
	}
	if !strings.Contains(me.Message, c.msg) {
		t.Errorf("message %q does not contain %q", me.Message, c.msg)
	}
	if !sameState(before, f.snapshot()) {
		t.Errorf("rejected transaction changed the state")
	}
}

// keys lists the keys under prefix, in order.
func (m *MemState) keys(prefix string) []string {
	var ks []string
	_ = m.Range(prefix, func(k string, _ []byte) error { ks = append(ks, k); return nil })
	return ks
}

func loc() models.Location {
	return models.Location{Project: "Riverside", Building: "Tower A", Floor: "3", Element: "column C3"}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

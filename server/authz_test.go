package server

import (
	"encoding/json"
	"fmt"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// The organizations of the matrix: one of every kind from the demo.
var matrixOrgs = []struct {
	id   string
	kind models.OrgKind
}{
	{"fuchun-cement", models.KindManufacturer},
	{"zhehang-logistics", models.KindCarrier},
	{"zhongjian-no8", models.KindContractor},
	{"zj-quality-inspection", models.KindInspection},
	{"hz-construction-bureau", models.KindAuthority},
}

// matrixCase is one cell: who asks, and whether the target is their own.
type matrixCase struct {
	org  string
	kind models.OrgKind
	role models.Role
	own  bool
}

// matrixAction is one write of the API: how to build the request for a
// cell (setting up what it needs through the ledger), and the rule that
// says who may do it, written from the business rules in the README, not
// from the contract's code.
type matrixAction struct {
	name  string
	build func(t *testing.T, m *matrix, c matrixCase) (method, path string, body any, ok bool)
	allow func(c matrixCase) bool
}

// matrix holds the fixture and a counter for unique codes.
type matrix struct {
	f *fixture
	n atomic.Int64
}

func (m *matrix) next(prefix string) string { return fmt.Sprintf("%s-%04d", prefix, m.n.Add(1)) }

// submit writes through the ledger directly, as org's admin (or the role
// given), to set up a cell; it fails the test on error.
func (m *matrix) submit(t *testing.T, org string, role models.Role, typ string, args any) {
	t.Helper()
	raw, _ := json.Marshal(args)
	rec, err := m.f.ledger.Submit(t.Context(), ledger.Tx{Type: typ, Args: raw, Org: org, User: org + "." + string(role), Role: role})
	if err != nil {
		t.Fatalf("setup %s as %s.%s: %v", typ, org, role, err)
	}
	if err := m.f.proj.WaitFor(t.Context(), rec.Seq); err != nil {
		t.Fatal(err)
	}
}

// freshBatch commissions a new cement batch at Fuchun Cement.
func (m *matrix) freshBatch(t *testing.T) string {
	code := m.next("MX-CEM")
	m.submit(t, "fuchun-cement", models.RoleAdmin, "CommissionBatch", map[string]any{"code": code, "product_id": "po-42.5", "quantity": "100", "produced_on": "2026-11-20"})
	return code
}

// heldBy returns an available batch held by org with something left, or "".
func (m *matrix) heldBy(t *testing.T, org string, passed bool) string {
	p, err := m.f.store.Batches(t.Context(), store.BatchFilter{Custodian: org, Status: models.StatusAvailable, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range p.Items {
		if b.Remaining > models.MustDecimal("2") && (!passed || b.Inspection == models.InspPassed || b.Inspection == models.InspNotRequired) {
			return b.Code
		}
	}
	return ""
}

func other(org string) string {
	if org == "fuchun-cement" {
		return "jiangnan-steel"
	}
	return "fuchun-cement"
}

func writer(r models.Role) bool { return r == models.RoleAdmin || r == models.RoleOperator }

func matrixActions() []matrixAction {
	return []matrixAction{
		{
			name: "register a product",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				maker := c.org
				if !c.own {
					maker = other(c.org)
				}
				return "POST", "/api/v1/products", map[string]any{"product": map[string]any{
					"id": strings.ToLower(m.next("mx-prod")), "name": "Matrix cement", "category": "cement", "standard": "GB 175-2023", "unit": "t", "manufacturer": maker,
				}}, true
			},
			allow: func(c matrixCase) bool { return c.kind == models.KindManufacturer && writer(c.role) && c.own },
		},
		{
			name: "commission a batch",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				if c.own && c.org != "fuchun-cement" {
					return "", "", nil, false // of the matrix's organizations only Fuchun Cement has products
				}
				product := "hrb400e-12-coil" // Jiangnan Steel's
				if c.own {
					product = "po-42.5" // Fuchun Cement's
				}
				return "POST", "/api/v1/batches", map[string]any{"code": m.next("MX-B"), "product_id": product, "quantity": "5", "produced_on": "2026-11-20"}, true
			},
			allow: func(c matrixCase) bool { return c.kind == models.KindManufacturer && writer(c.role) && c.own },
		},
		{
			name: "place a purchase order",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				if !c.own {
					return "", "", nil, false // a PO's buyer is always the submitter
				}
				po := map[string]any{"id": m.next("MX-PO"), "supplier": other(c.org), "lines": []any{map[string]any{"line": 1, "product_id": map[bool]string{true: "hrb400e-12-coil", false: "po-42.5"}[c.org == "fuchun-cement"], "quantity": "10"}}}
				if c.kind == models.KindContractor {
					po["site"] = "tower-a"
				}
				return "POST", "/api/v1/purchase-orders", po, true
			},
			allow: func(c matrixCase) bool {
				return (c.kind == models.KindContractor || c.kind == models.KindAuthority || c.kind == models.KindManufacturer) && writer(c.role)
			},
		},
		{
			name: "dispatch a shipment",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				var batch string
				switch {
				case c.own && c.org == "fuchun-cement":
					batch = m.freshBatch(t)
				case c.own:
					batch = m.heldBy(t, c.org, false)
				case c.org == "fuchun-cement":
					batch = m.heldBy(t, "jiangnan-steel", false)
				default:
					batch = m.freshBatch(t) // held by Fuchun Cement, not the asker
				}
				if batch == "" {
					return "", "", nil, false
				}
				to, site := "zhongjian-no8", "tower-a"
				if c.org == "zhongjian-no8" {
					to, site = "fuchun-cement", ""
				}
				return "POST", "/api/v1/shipments", map[string]any{"code": m.next("MX-SH"), "to": to, "site": site, "carrier": "zhehang-logistics",
					"lines": []any{map[string]any{"batch": batch, "quantity": "1"}}}, true
			},
			allow: func(c matrixCase) bool {
				return (c.kind == models.KindManufacturer || c.kind == models.KindContractor || c.kind == models.KindAuthority) && writer(c.role) && c.own
			},
		},
		{
			name: "receive a shipment",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				to := c.org
				if !c.own || c.kind == models.KindCarrier {
					if c.own {
						return "", "", nil, false // nothing is ever shipped to a carrier
					}
					to = "zhongjian-no8"
					if c.org == "zhongjian-no8" {
						to = "hz-construction-bureau"
					}
				}
				if to == "fuchun-cement" {
					to = "jiangnan-steel" // Fuchun Cement ships from itself; receive at another manufacturer instead
					if c.own {
						return "", "", nil, false
					}
				}
				code := m.next("MX-RSH")
				site := ""
				if to == "zhongjian-no8" {
					site = "tower-a"
				}
				m.submit(t, "fuchun-cement", models.RoleAdmin, "DispatchShipment", map[string]any{"code": code, "to": to, "site": site, "carrier": "zhehang-logistics",
					"lines": []any{map[string]any{"batch": m.freshBatch(t), "quantity": "2"}}})
				return "POST", "/api/v1/shipments/" + code + "/receive", map[string]any{"lines": []any{map[string]any{"line": 1, "outcome": "accept"}}}, true
			},
			allow: func(c matrixCase) bool {
				return c.kind != models.KindCarrier && writer(c.role) && c.own
			},
		},
		{
			name: "record an inspection",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				if !c.own {
					return "", "", nil, false // agencies inspect anyone's batches
				}
				return "POST", "/api/v1/inspections", map[string]any{"batch": m.freshBatch(t), "type": "sampling", "verdict": "pass",
					"results": []any{map[string]any{"property": "compressive_strength_28d", "value": "47.2"}}}, true
			},
			allow: func(c matrixCase) bool {
				return c.kind == models.KindInspection && (c.role == models.RoleAdmin || c.role == models.RoleInspector)
			},
		},
		{
			name: "release a hold",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				if !c.own {
					return "", "", nil, false
				}
				b := m.freshBatch(t)
				m.submit(t, "zj-quality-inspection", models.RoleInspector, "RecordInspection", map[string]any{"batch": b, "type": "sampling", "verdict": "fail",
					"results": []any{map[string]any{"property": "compressive_strength_28d", "value": "30"}}})
				return "POST", "/api/v1/holds/" + b + "/release", map[string]any{"reason": "re-test passed"}, true
			},
			allow: func(c matrixCase) bool {
				return c.kind == models.KindInspection && (c.role == models.RoleAdmin || c.role == models.RoleInspector)
			},
		},
		{
			name: "record usage",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				holder := c.org
				if !c.own {
					holder = "zhongjian-no8"
					if c.org == "zhongjian-no8" {
						holder = "fuchun-cement"
					}
				}
				b := m.heldBy(t, holder, true)
				if b == "" {
					return "", "", nil, false
				}
				return "POST", "/api/v1/usages", map[string]any{"batch": b, "quantity": "0.5",
					"location": map[string]any{"project": "Qianjiang Garden Residence", "building": "Tower A", "floor": "F3", "element": "column C3"}}, true
			},
			allow: func(c matrixCase) bool { return c.kind == models.KindContractor && writer(c.role) && c.own },
		},
		{
			name: "recall a batch",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				b := m.freshBatch(t) // produced by Fuchun Cement
				if c.own != (c.org == "fuchun-cement") && c.kind != models.KindAuthority && c.kind != models.KindInspection {
					return "", "", nil, false
				}
				return "POST", "/api/v1/recalls", map[string]any{"batch": b, "reason": "matrix test", "severity": "low"}, true
			},
			allow: func(c matrixCase) bool {
				switch c.kind {
				case models.KindAuthority:
					return c.role == models.RoleAdmin
				case models.KindInspection:
					return c.role == models.RoleAdmin || c.role == models.RoleInspector
				}
				return c.org == "fuchun-cement" && c.own && writer(c.role)
			},
		},
		{
			name: "open a non-conformance",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				b := m.freshBatch(t) // produced and held by Fuchun Cement
				if c.own != (c.org == "fuchun-cement") && c.kind != models.KindAuthority && c.kind != models.KindInspection {
					return "", "", nil, false
				}
				return "POST", "/api/v1/cases", map[string]any{"kind": "non_conformance", "batch": b, "reason": "matrix test",
					"severity": "low", "target_date": "2099-01-01"}, true
			},
			// Authorities and inspection agencies, and the producer, owner
			// or custodian of the batch; never a viewer.
			allow: func(c matrixCase) bool {
				if c.role == models.RoleViewer {
					return false
				}
				return c.kind == models.KindAuthority || c.kind == models.KindInspection || c.org == "fuchun-cement" && c.own
			},
		},
		{
			name: "create a user",
			build: func(t *testing.T, m *matrix, c matrixCase) (string, string, any, bool) {
				if !c.own {
					return "", "", nil, false // users are always created in the admin's own organization
				}
				return "POST", "/api/v1/users", map[string]any{"name": strings.ToLower(m.next("mx")), "fullname": "Matrix User", "role": "viewer", "password": "matrix-password-1"}, true
			},
			allow: func(c matrixCase) bool { return c.role == models.RoleAdmin },
		},
	}
}

// TestAuthorizationMatrix tries every write of the API as every role of an
// organization of every kind, on its own target and on another
// organization's, and checks the answer: allowed writes succeed (2xx) and
// everything else is a 403 that changes nothing on the ledger.
func TestAuthorizationMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := newFixtureOn(t, dialect, true)
		m := &matrix{f: f}
		tokens := map[string]string{}
		for _, o := range matrixOrgs {
			for _, r := range models.Roles {
				tokens[o.id+"."+string(r)] = f.token(t, o.id+"."+string(r))
			}
		}
		var allowed, refused, skipped int
		for _, a := range matrixActions() {
			t.Run(a.name, func(t *testing.T) {
				for _, o := range matrixOrgs {
					for _, r := range models.Roles {
						for _, own := range []bool{true, false} {
							c := matrixCase{org: o.id, kind: o.kind, role: r, own: own}
							method, path, body, ok := a.build(t, m, c)
							if !ok {
								skipped++
								continue
							}
							before, _ := f.ledger.Head(t.Context())
							var e apiErr
							code := f.call(t, tokens[o.id+"."+string(r)], method, path, body, &e)
							after, _ := f.ledger.Head(t.Context())
							cell := fmt.Sprintf("%s as %s.%s (own=%v)", a.name, o.id, r, own)
							if a.allow(c) {
								allowed++
								if code < 200 || code > 299 {
									t.Errorf("%s: %d %v, want success", cell, code, e)
								}
								continue
							}
							refused++
							if code != http.StatusForbidden {
								t.Errorf("%s: %d %v, want 403", cell, code, e)
							}
							if after != before {
								t.Errorf("%s: refused but the ledger grew from %d to %d", cell, before, after)
							}
						}
					}
				}
			})
		}
		t.Logf("%d cells allowed, %d refused, %d not applicable", allowed, refused, skipped)
	})
}

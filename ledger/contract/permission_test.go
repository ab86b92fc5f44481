package contract

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

// ruleless are the transaction types that deliberately have no Rule, and
// why: who may submit them is not a matter of kind and role alone.
var ruleless = map[string]string{
	"RecallBatch":  "the roles depend on whether the organization produced the batch (RecallRule)",
	"CorrectEntry": "only the organization that created the record corrects it, with a role that depends on the record's kind",
}

// TestEveryTypeHasARule: every transaction type has a Rule or is listed in
// ruleless, and the table names no type the contract does not know.
func TestEveryTypeHasARule(t *testing.T) {
	types := Types()
	for _, typ := range types {
		_, ok := Rule(typ)
		reason, listed := ruleless[typ]
		switch {
		case ok && listed:
			t.Errorf("%s has a Rule but is listed as rule-less (%s)", typ, reason)
		case !ok && !listed:
			t.Errorf("%s has no Rule: add it to the permission table, or to ruleless with the reason", typ)
		}
	}
	for typ := range permissions {
		if !slices.Contains(types, typ) {
			t.Errorf("the permission table names %s, which is not a transaction type", typ)
		}
	}
	for typ := range ruleless {
		if !slices.Contains(types, typ) {
			t.Errorf("ruleless names %s, which is not a transaction type", typ)
		}
	}
	if _, ok := Rule("NoSuchType"); ok {
		t.Error("Rule of an unknown type is ok")
	}
}

// TestRuleIsWellFormed: every rule says what it allows, names valid kinds
// and roles, and Rule hands out copies.
func TestRuleIsWellFormed(t *testing.T) {
	for typ := range permissions {
		p, _ := Rule(typ)
		if p.Action == "" || len(p.Kinds) == 0 {
			t.Errorf("%s: %+v has no action or no kinds", typ, p)
		}
		for _, k := range p.Kinds {
			if !k.Valid() {
				t.Errorf("%s: kind %q", typ, k)
			}
		}
		for _, r := range p.Roles {
			if !r.Valid() || r == models.RoleAdmin || r == models.RoleViewer {
				t.Errorf("%s: role %q (admins are always allowed, viewers never)", typ, r)
			}
		}
		p.Kinds[0], p.Action = "nobody", "changed"
		if q, _ := Rule(typ); q.Kinds[0] == "nobody" || q.Action == "changed" {
			t.Errorf("%s: changing what Rule returned changed the table", typ)
		}
	}
	if !slices.Equal(models.OrgKinds, []models.OrgKind{models.KindManufacturer, models.KindCarrier, models.KindContractor, models.KindInspection, models.KindAuthority}) {
		t.Errorf("models.OrgKinds changed: %v", models.OrgKinds)
	}
}

func TestPermissionAllows(t *testing.T) {
	const (
		mfr  = models.KindManufacturer
		car  = models.KindCarrier
		con  = models.KindContractor
		insp = models.KindInspection
		auth = models.KindAuthority
	)
	for _, c := range []struct {
		typ  string
		kind models.OrgKind
		role models.Role
		want bool
	}{
		{"ReceiveShipment", con, operator, true},
		{"ReceiveShipment", con, admin, true},
		{"ReceiveShipment", con, inspector, false},
		{"ReceiveShipment", con, viewer, false},
		{"ReceiveShipment", insp, operator, true},
		{"ReceiveShipment", car, operator, false},
		{"ReceiveShipment", car, admin, false},
		{"DispatchShipment", mfr, operator, true},
		{"DispatchShipment", auth, admin, true},
		{"DispatchShipment", insp, admin, false},
		{"DispatchShipment", car, operator, false},
		{"CreatePurchaseOrder", mfr, operator, true},
		{"CreatePurchaseOrder", auth, operator, true},
		{"CreatePurchaseOrder", insp, operator, false},
		{"CreatePurchaseOrder", con, viewer, false},
		{"RegisterProduct", mfr, operator, true},
		{"RegisterProduct", con, admin, false},
		{"CommissionBatch", mfr, admin, true},
		{"CommissionBatch", mfr, inspector, false},
		{"TransformBatches", con, operator, true},
		{"TransformBatches", auth, admin, false},
		{"RecordUsage", con, operator, true},
		{"RecordUsage", mfr, operator, false},
		{"RecordInspection", insp, inspector, true},
		{"RecordInspection", insp, admin, true},
		{"RecordInspection", insp, operator, false},
		{"RecordInspection", auth, inspector, false},
		{"ReleaseHold", insp, inspector, true},
		{"ReleaseHold", insp, viewer, false},
		{"RegisterOrganization", auth, admin, true},
		{"RegisterOrganization", auth, operator, false},
		{"RegisterOrganization", mfr, admin, false},
		{"AttachDocument", car, inspector, true},
		{"AttachDocument", mfr, viewer, false},
		{"OpenCase", con, inspector, true},
		{"OpenCase", auth, viewer, false},
		{"AcknowledgeCase", car, operator, true},
		{"AcknowledgeCase", con, viewer, false},
		{"RecordDisposition", con, operator, true},
		{"RecordDisposition", auth, inspector, false},
		{"RecordDisposition", con, viewer, false},
	} {
		p, ok := Rule(c.typ)
		if !ok {
			t.Fatalf("no Rule for %s", c.typ)
		}
		if got := p.Allows(c.kind, c.role); got != c.want {
			t.Errorf("Rule(%s).Allows(%s, %s) = %v, want %v", c.typ, c.kind, c.role, got, c.want)
		}
	}
	var none Permission
	if none.Allows(models.KindAuthority, models.RoleAdmin) {
		t.Error("the zero Permission allows an authority's admin")
	}
	if (Permission{Kinds: []models.OrgKind{models.KindAuthority}}).Allows(models.KindAuthority, "") {
		t.Error("an empty role is allowed")
	}
}

func TestRecallRule(t *testing.T) {
	for _, c := range []struct {
		kind     models.OrgKind
		producer bool
		allowed  []models.Role
	}{
		{models.KindAuthority, false, []models.Role{admin}},
		{models.KindAuthority, true, []models.Role{admin}},
		{models.KindInspection, false, []models.Role{admin, inspector}},
		{models.KindManufacturer, true, []models.Role{admin, operator}},
		{models.KindContractor, true, []models.Role{admin, operator}},
		{models.KindManufacturer, false, nil},
		{models.KindContractor, false, nil},
		{models.KindCarrier, false, nil},
	} {
		p, ok := RecallRule(c.kind, c.producer)
		if ok != (c.allowed != nil) {
			t.Errorf("RecallRule(%s, producer=%v) ok = %v", c.kind, c.producer, ok)
		}
		for _, r := range models.Roles {
			if got, want := p.Allows(c.kind, r), slices.Contains(c.allowed, r); got != want {
				t.Errorf("RecallRule(%s, producer=%v).Allows(%s) = %v, want %v", c.kind, c.producer, r, got, want)
			}
		}
		for _, k := range models.OrgKinds {
			if k != c.kind && p.Allows(k, admin) {
				t.Errorf("RecallRule(%s, …) allows a %s", c.kind, k)
			}
		}
	}
}

// permissionCall is a transaction of a ruled type that passes argument
// validation, submitted by org: what the contract does with it after the
// permission check is not this test's concern.
func permissionCall(typ, org string) any {
	switch typ {
	case "RegisterOrganization":
		return RegisterOrganizationArgs{Organization: models.Organization{ID: "newco", Name: "New Co", Kind: models.KindContractor}}
	case "RegisterProduct":
		return RegisterProductArgs{Product: models.Product{ID: "new-prod", Name: "New", Category: models.CatCement, Standard: "GB 175-2023", Unit: "t", Manufacturer: org}}
	case "CommissionBatch":
		return CommissionBatchArgs{Code: "NEW-1", ProductID: cement, Quantity: dec("10"), ProducedOn: "2025-02-20"}
	case "CreatePurchaseOrder":
		return CreatePurchaseOrderArgs{ID: "PO-1", Supplier: steelco, Lines: []OrderLine{{Line: 1, ProductID: rebar, Quantity: dec("10")}}}
	case "DispatchShipment":
		return DispatchShipmentArgs{Code: "SH-NEW", To: buildco, Site: "tower-a", Carrier: haul, Lines: []DispatchLine{{Batch: "CEM-1", Quantity: dec("1")}}}
	case "ReceiveShipment":
		return ReceiveShipmentArgs{Shipment: "SH-C", Lines: []ReceiptLine{{Line: 1, Accepted: dec("100")}}}
	case "TransformBatches":
		return TransformBatchesArgs{Kind: TransformSplit, Inputs: []models.BatchInput{{Code: "RB-1", Quantity: dec("10")}},
			Outputs: []TransformOutput{{Code: "CUT-1", ProductID: rebar, Quantity: dec("10"), ProducedOn: "2025-03-02"}}}
	case "RecordUsage":
		return RecordUsageArgs{Batch: "RB-1", Quantity: dec("1"), Location: loc()}
	case "RecordInspection":
		return RecordInspectionArgs{Batch: "CEM-1", Type: "incoming", Verdict: models.VerdictPass}
	case "ReleaseHold":
		return ReleaseHoldArgs{Batch: "CEM-1", Reason: "retested"}
	case "AttachDocument":
		return AttachDocumentArgs{Batch: "CEM-1", Document: DocumentArgs{SHA256: strings.Repeat("ab", 32), Name: "cert.pdf", MediaType: "application/pdf",
			Size: 10, Kind: models.DocCertificate, Visibility: models.Public}}
	case "OpenCase":
		return OpenCaseArgs{Kind: models.CaseNonConformance, Batch: "CEM-1", Severity: SeverityHigh, Reason: "cracks", TargetDate: "2025-06-01"}
	case "AcknowledgeCase":
		return AcknowledgeCaseArgs{Case: "case-1"}
	case "RecordDisposition":
		return RecordDispositionArgs{Case: "case-1", Items: []UsageDisposition{{Usage: "usage-1", Disposition: models.DispositionReplace}}}
	case "ContinueLog":
		return ContinueLogArgs{PreviousOrigin: "old.example/ledger", Checkpoint: testCheckpoint, Reason: "the disk failed"}
	}
	return nil
}

// TestContractEnforcesRules: for every rule, every organization kind and
// every role, the contract refuses a transaction exactly when the rule
// does not allow it, with the refusal naming the rule's action; so the
// transactions read the table that pages show their buttons from.
func TestContractEnforcesRules(t *testing.T) {
	orgOf := map[models.OrgKind]string{
		models.KindManufacturer: cemco, models.KindCarrier: haul, models.KindContractor: buildco,
		models.KindInspection: qalab, models.KindAuthority: gov,
	}
	for _, typ := range Types() {
		p, ok := Rule(typ)
		if !ok {
			continue
		}
		args := permissionCall(typ, "")
		if args == nil {
			t.Errorf("%s: no arguments in permissionCall", typ)
			continue
		}
		t.Run(typ, func(t *testing.T) {
			for _, kind := range models.OrgKinds {
				org, ok := orgOf[kind]
				if !ok {
					t.Fatalf("no fixture organization of kind %s", kind)
				}
				for _, role := range models.Roles {
					f := newFx(t)
					f.delivered(true)
					_, err := f.exec(org, role, typ, permissionCall(typ, org))
					kindMsg := fmt.Sprintf("a %s organization may not %s (allowed: ", kind, p.Action)
					roleMsg := fmt.Sprintf("the %s role may not %s (allowed: admin, ", role, p.Action)
					var me *models.Error
					refused := errors.As(err, &me) && errors.Is(err, models.ErrForbidden) &&
						(strings.HasPrefix(me.Message, kindMsg) || strings.HasPrefix(me.Message, roleMsg))
					if refused == p.Allows(kind, role) {
						t.Errorf("%s by a %s %s: error %v; the rule allows it: %v", typ, kind, role, err, p.Allows(kind, role))
					}
					if refused && !slices.Contains(p.Kinds, kind) && !strings.HasPrefix(me.Message, kindMsg) {
						t.Errorf("%s by a %s %s: %q does not name the kind", typ, kind, role, me.Message)
					}
				}
			}
		})
	}
}

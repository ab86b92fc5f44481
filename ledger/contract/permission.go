package contract

import (
	"slices"

	"github.com/plumbline/plumbline/models"
)

// Permission is who may submit a transaction type, as far as the kind of
// the submitting organization and the role of the submitting user decide
// it. A transaction may add conditions of its own (custody, being the
// destination of a shipment, being affected by a case…); those stay in the
// transaction's code, and a Permission never lets anyone past them.
type Permission struct {
	// Action names what the transaction does, as the refusal says it:
	// "a carrier organization may not <Action> (allowed: …)".
	Action string
	// Kinds are the organization kinds that may submit the transaction.
	Kinds []models.OrgKind
	// Roles are the roles, besides admin, that may submit it. Admins may do
	// whatever their organization's kind allows, so an empty list means
	// admins only.
	Roles []models.Role
}

// Allows reports whether a user with role in an organization of kind may
// submit the transaction: kind is one of p.Kinds, and role is admin or one
// of p.Roles.
func (p Permission) Allows(kind models.OrgKind, role models.Role) bool {
	if !slices.Contains(p.Kinds, kind) {
		return false
	}
	return role == models.RoleAdmin || slices.Contains(p.Roles, role)
}

// everyKind is for transactions that any kind of organization may submit
// (the transaction's own conditions say which organization).
var everyKind = models.OrgKinds

// permissions is the contract's permission table: the one definition that
// the transactions enforce (txc.allow) and that pages read through Rule to
// decide which actions to offer. Transaction types that are not here check
// who may submit them in their own code; see RecallRule.
var permissions = map[string]Permission{
	"RegisterOrganization": {Action: "register organizations",
		Kinds: []models.OrgKind{models.KindAuthority}},
	"RegisterProduct": {Action: "register products",
		Kinds: []models.OrgKind{models.KindManufacturer}, Roles: []models.Role{models.RoleOperator}},
	"CommissionBatch": {Action: "commission batches",
		Kinds: []models.OrgKind{models.KindManufacturer}, Roles: []models.Role{models.RoleOperator}},
	"CreatePurchaseOrder": {Action: "place purchase orders",
		Kinds: []models.OrgKind{models.KindContractor, models.KindAuthority, models.KindManufacturer}, Roles: []models.Role{models.RoleOperator}},
	"DispatchShipment": {Action: "dispatch shipments",
		Kinds: []models.OrgKind{models.KindManufacturer, models.KindContractor, models.KindAuthority}, Roles: []models.Role{models.RoleOperator}},
	"ReceiveShipment": {Action: "receive shipments",
		Kinds: []models.OrgKind{models.KindManufacturer, models.KindContractor, models.KindAuthority, models.KindInspection}, Roles: []models.Role{models.RoleOperator}},
	"TransformBatches": {Action: "transform batches",
		Kinds: []models.OrgKind{models.KindManufacturer, models.KindContractor}, Roles: []models.Role{models.RoleOperator}},
	"RecordUsage": {Action: "record usage",
		Kinds: []models.OrgKind{models.KindContractor}, Roles: []models.Role{models.RoleOperator}},
	"RecordInspection": {Action: "record inspections",
		Kinds: []models.OrgKind{models.KindInspection}, Roles: []models.Role{models.RoleInspector}},
	"ReleaseHold": {Action: "release holds",
		Kinds: []models.OrgKind{models.KindInspection}, Roles: []models.Role{models.RoleInspector}},
	"AttachDocument": {Action: "attach documents",
		Kinds: everyKind, Roles: []models.Role{models.RoleOperator, models.RoleInspector}},
	"OpenCase": {Action: "open cases",
		Kinds: everyKind, Roles: []models.Role{models.RoleOperator, models.RoleInspector}},
	"AcknowledgeCase": {Action: "acknowledge cases",
		Kinds: everyKind, Roles: []models.Role{models.RoleOperator, models.RoleInspector}},
	"RecordDisposition": {Action: "record dispositions",
		Kinds: everyKind, Roles: []models.Role{models.RoleOperator}},
	"ContinueLog": {Action: "record the continuation of a log",
		Kinds: []models.OrgKind{models.KindAuthority}},
}

// Rule returns the permission of a transaction type (a name of Types),
// and false for a type that has none: an unknown type, or one whose check
// of kind and role depends on more than kind and role (RecallBatch: see
// RecallRule; CorrectEntry: only the organization that created a record
// corrects it, with a role that depends on the record). The lists are the
// caller's to keep or change.
func Rule(txType string) (Permission, bool) {
	p, ok := permissions[txType]
	if !ok {
		return Permission{}, false
	}
	p.Kinds, p.Roles = slices.Clone(p.Kinds), slices.Clone(p.Roles)
	return p, true
}

// RecallRule returns who may recall a batch (RecallBatch, or OpenCase of
// kind recall) in an organization of kind that is, or is not, the batch's
// producer: an authority's admin, an inspection agency's inspector (or
// admin), or the producer's operator (or admin). It returns false when no
// one in such an organization may. Which of these applies depends on the
// kind first: an authority recalls as an authority even if it produced the
// batch.
func RecallRule(kind models.OrgKind, producer bool) (Permission, bool) {
	p := Permission{Action: "recall batches", Kinds: []models.OrgKind{kind}}
	switch {
	case kind == models.KindAuthority:
	case kind == models.KindInspection:
		p.Roles = []models.Role{models.RoleInspector}
	case producer:
		p.Roles = []models.Role{models.RoleOperator}
	default:
		return Permission{}, false
	}
	return p, true
}

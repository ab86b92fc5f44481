package contract

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestRegisterOrganization(t *testing.T) {
	org := func(id string, kind models.OrgKind) RegisterOrganizationArgs {
		return RegisterOrganizationArgs{Organization: models.Organization{ID: id, Name: id, Kind: kind}}
	}
	runRules(t, []rule{
		{name: "authority admin registers a manufacturer", org: gov, role: admin, typ: "RegisterOrganization", args: org("newmill", models.KindManufacturer),
			check: func(t *testing.T, f *fx) {
				var o models.Organization
				f.load(models.PrefixOrg, "newmill", &o)
				if o.Kind != models.KindManufacturer || o.TxID == "" {
					t.Errorf("stored %+v", o)
				}
			}},
		{name: "manufacturer may not register others", org: cemco, role: admin, typ: "RegisterOrganization", args: org("newmill", models.KindManufacturer),
			kind: models.ErrForbidden, msg: "may not register organizations"},
		{name: "authority operator may not", org: gov, role: operator, typ: "RegisterOrganization", args: org("newmill", models.KindManufacturer),
			kind: models.ErrForbidden, msg: "operator role"},
		{name: "duplicate", org: gov, role: admin, typ: "RegisterOrganization", args: org(cemco, models.KindManufacturer),
			kind: models.ErrConflict, field: "organization.id"},
		{name: "bad kind", org: gov, role: admin, typ: "RegisterOrganization", args: org("x", "broker"),
			kind: models.ErrInvalid, field: "organization.kind"},
	})
	// On an empty ledger only an authority registering itself by its admin.
	for _, c := range []struct {
		org  string
		role models.Role
		args RegisterOrganizationArgs
		ok   bool
	}{
		{gov, admin, org(gov, models.KindAuthority), true},
		{cemco, admin, org(cemco, models.KindManufacturer), false},
		{gov, admin, org("other", models.KindAuthority), false},
		{gov, operator, org(gov, models.KindAuthority), false},
	} {
		raw, _ := json.Marshal(c.args)
		st := NewMemState()
		_, err := Execute(st, Call{TxID: "t1", Type: "RegisterOrganization", Args: raw, Org: c.org, User: "u", Role: c.role, Time: t0})
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, models.ErrForbidden)) || (err != nil && st.Len() != 0) {
			t.Errorf("first registration %+v by %s/%s: %v", c.args.Organization, c.org, c.role, err)
		}
	}
}

package contract

import (
	"github.com/plumbline/plumbline/models"
)

// RegisterOrganizationArgs registers an organization with the consortium.
type RegisterOrganizationArgs struct {
	Organization models.Organization `json:"organization"`
}

// Validate implements validator.
func (a *RegisterOrganizationArgs) Validate() error {
	var v models.Collect
	if a.Organization.TxID != "" {
		v.Add(models.Invalid("organization.tx_id", "is set by the ledger; leave it empty"))
	}
	v.Add(models.Prefix("organization", a.Organization.Validate()))
	return v.Err()
}

func init() {
	register("RegisterOrganization", registerOrganization)
}

// registerOrganization: the very first organization registers itself (it
// must be an owner/authority and the submitter must be its admin); after
// that, only admins of authority organizations register others.
func registerOrganization(tc *txc, a *RegisterOrganizationArgs) error {
	o := a.Organization
	if tc.version() < V4 && (len(o.Names) > 0 || len(o.SiteNames) > 0) {
		return models.Invalid("organization.names", "is a field of contract version %d and later; this transaction runs under version %d", V4, tc.version())
	}
	// When the submitter is registered the ledger is not empty: a point
	// read says so without a range read, which on Fabric would make every
	// two registrations in one block fail with PHANTOM_READ_CONFLICT (the
	// peer records a whole short range as read, however early the contract
	// stops).
	someOrg, err := tc.exists(models.PrefixOrg, tc.call.Org)
	if err == nil && !someOrg {
		someOrg, err = tc.anyKey(models.PrefixOrg)
	}
	if err != nil {
		return err
	}
	if !someOrg {
		if o.Kind != models.KindAuthority || o.ID != tc.call.Org || tc.call.Role != models.RoleAdmin {
			return models.Forbidden("the first organization must be an authority registering itself by its admin")
		}
	} else if _, err := tc.allow("RegisterOrganization"); err != nil {
		return err
	}
	if ok, err := tc.exists(models.PrefixOrg, o.ID); err != nil {
		return err
	} else if ok {
		return models.Conflict("organization.id", "organization %q is already registered", o.ID)
	}
	o.TxID = tc.call.TxID
	return tc.putJSON(models.PrefixOrg, o.ID, o)
}

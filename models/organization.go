package models

import (
	"regexp"
	"sort"
)

// OrgKind is what an organization does in the supply chain; it decides which
// transactions the organization may submit.
type OrgKind string

// Organization kinds.
const (
	KindManufacturer OrgKind = "manufacturer" // makes or supplies materials (cement plant, steel mill, quarry, ready-mix plant)
	KindCarrier      OrgKind = "carrier"      // transports materials; holds custody in transit
	KindContractor   OrgKind = "contractor"   // receives materials at sites and builds with them
	KindInspection   OrgKind = "inspection"   // inspection and testing agency
	KindAuthority    OrgKind = "authority"    // project owner or building authority
)

// OrgKinds lists every organization kind, in display order.
var OrgKinds = []OrgKind{KindManufacturer, KindCarrier, KindContractor, KindInspection, KindAuthority}

// Role is a user's role inside their organization.
type Role string

// Roles.
const (
	RoleAdmin     Role = "admin"     // manages the organization; may do everything its kind allows
	RoleOperator  Role = "operator"  // day-to-day data entry: batches, shipments, receipts, usage
	RoleInspector Role = "inspector" // records inspections and releases holds
	RoleViewer    Role = "viewer"    // reads only
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleOperator, RoleInspector, RoleViewer}

var (
	idPattern      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

// ValidateID checks an identifier or code: 1–64 characters of letters,
// digits, '.', '_' or '-', starting with a letter or digit.
func ValidateID(field, id string) error {
	if id == "" {
		return Invalid(field, "is required")
	}
	if !idPattern.MatchString(id) {
		return Invalid(field, "%q must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	return nil
}

// Organization is a company or agency taking part in the consortium.
type Organization struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Kind    OrgKind `json:"kind"`
	Country string  `json:"country,omitempty"` // ISO 3166-1 alpha-2, e.g. CN
	City    string  `json:"city,omitempty"`
	Address string  `json:"address,omitempty"`
	// Sites are the named delivery sites of a contractor (e.g. "tower-a").
	Sites []string `json:"sites,omitempty"`
	// Names are the organization's name in other languages (contract V4).
	Names LocalNames `json:"names,omitempty"`
	// SiteNames name its sites for people (site ID → names), which show
	// instead of the IDs (contract V4).
	SiteNames map[string]LocalNames `json:"site_names,omitempty"`
	TxID      string                `json:"tx_id,omitempty"` // the transaction that registered it
}

// Validate checks the organization's own fields.
func (o *Organization) Validate() error {
	if err := ValidateID("id", o.ID); err != nil {
		return err
	}
	if err := RequireLine("name", o.Name, MaxName); err != nil {
		return err
	}
	if !o.Kind.Valid() {
		return Invalid("kind", "%q is not one of manufacturer, carrier, contractor, inspection, authority", o.Kind)
	}
	if o.Country != "" && !countryPattern.MatchString(o.Country) {
		return Invalid("country", "%q must be a two-letter ISO country code such as CN", o.Country)
	}
	if err := ValidateLine("city", o.City, 100); err != nil {
		return err
	}
	if err := ValidateLine("address", o.Address, 300); err != nil {
		return err
	}
	if len(o.Sites) > MaxListLen {
		return Invalid("sites", "at most %d sites (got %d)", MaxListLen, len(o.Sites))
	}
	for i, s := range o.Sites {
		f := "sites[" + itoa(i) + "]"
		if err := ValidateID(f, s); err != nil {
			return err
		}
		for j, t := range o.Sites[:i] {
			if t == s {
				return Invalid(f, "site %q is already listed as sites[%d]", s, j)
			}
		}
	}
	if err := ValidateLocalNames("names", o.Names); err != nil {
		return err
	}
	sites := make([]string, 0, len(o.SiteNames))
	for s := range o.SiteNames {
		sites = append(sites, s)
	}
	sort.Strings(sites)
	for _, s := range sites {
		if !o.HasSite(s) {
			return Invalid("site_names", "%q is not one of the organization's sites", s)
		}
		if err := ValidateLocalNames("site_names."+s, o.SiteNames[s]); err != nil {
			return err
		}
	}
	return nil
}

// SiteName returns a site's name for lang: its name in that language, or
// in English, or its ID.
func (o *Organization) SiteName(site, lang string) string {
	n := o.SiteNames[site]
	return n.In(lang, n.In("en", site))
}

// HasSite reports whether site is one of the organization's sites.
func (o *Organization) HasSite(site string) bool {
	for _, s := range o.Sites {
		if s == site {
			return true
		}
	}
	return false
}

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	for _, x := range OrgKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// User is a person acting for an organization. Users live in the
// application's account store; transactions carry their ID and role, signed
// by their organization's key.
type User struct {
	ID    string `json:"id"`
	OrgID string `json:"org_id"`
	Name  string `json:"name"`
	Role  Role   `json:"role"`
}

// Validate checks the user's fields.
func (u *User) Validate() error {
	if err := ValidateID("id", u.ID); err != nil {
		return err
	}
	if err := ValidateID("org_id", u.OrgID); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return Invalid("role", "%q is not one of admin, operator, inspector, viewer", u.Role)
	}
	return RequireLine("name", u.Name, 100)
}

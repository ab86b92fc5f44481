package models

import (
	"regexp"
	"strings"
)

// Category is a kind of building material.
type Category string

// Material categories.
const (
	CatCement    Category = "cement"
	CatRebar     Category = "rebar"
	CatReadyMix  Category = "ready_mix_concrete"
	CatSteel     Category = "structural_steel"
	CatAggregate Category = "aggregate"
	CatGlass     Category = "glass"
	CatTimber    Category = "timber"
	CatAdmixture Category = "admixture"
	CatOther     Category = "other"
)

// Categories lists every category.
var Categories = []Category{CatCement, CatRebar, CatReadyMix, CatSteel, CatAggregate, CatGlass, CatTimber, CatAdmixture, CatOther}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, x := range Categories {
		if x == c {
			return true
		}
	}
	return false
}

// SpecLimit bounds one measured property of a product, e.g. 28-day
// compressive strength ≥ 42.5 MPa. Min and Max are optional.
type SpecLimit struct {
	Property string   `json:"property"` // e.g. compressive_strength_28d
	Unit     string   `json:"unit"`     // e.g. MPa
	Min      *Decimal `json:"min,omitempty"`
	Max      *Decimal `json:"max,omitempty"`
}

// Check reports whether v lies within the limit.
func (l SpecLimit) Check(v Decimal) bool {
	if l.Min != nil && v < *l.Min {
		return false
	}
	if l.Max != nil && v > *l.Max {
		return false
	}
	return true
}

// Product is a catalogue entry: a material as its manufacturer sells it.
type Product struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Category Category `json:"category"`
	Standard string   `json:"standard"` // the standard it conforms to, e.g. "GB 175-2023"
	Unit     string   `json:"unit"`     // t, m3, kg, pcs, m2
	GTIN     string   `json:"gtin,omitempty"`
	// InspectionRequired makes incoming inspection a hold point: batches of
	// this product cannot be used until an inspection passes.
	InspectionRequired bool        `json:"inspection_required"`
	SpecLimits         []SpecLimit `json:"spec_limits,omitempty"`
	Manufacturer       string      `json:"manufacturer"` // organization ID
	// Names are the product's name in other languages (contract V4).
	Names LocalNames `json:"names,omitempty"`
	TxID  string     `json:"tx_id,omitempty"`
}

// Units lists the accepted units of measure.
var Units = []string{"t", "kg", "m3", "m2", "m", "pcs", "l"}

var propPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Validate checks the product's fields.
func (p *Product) Validate() error {
	if err := ValidateID("id", p.ID); err != nil {
		return err
	}
	if err := RequireLine("name", p.Name, MaxName); err != nil {
		return err
	}
	if !p.Category.Valid() {
		return Invalid("category", "%q is not one of %s", p.Category, joinCats())
	}
	if strings.TrimSpace(p.Standard) == "" {
		return Invalid("standard", "is required, e.g. GB 175-2023")
	}
	if err := ValidateLine("standard", p.Standard, 100); err != nil {
		return err
	}
	if err := ValidateUnit("unit", p.Unit); err != nil {
		return err
	}
	if p.GTIN != "" {
		if err := ValidateGTIN("gtin", p.GTIN); err != nil {
			return err
		}
	}
	if len(p.SpecLimits) > MaxListLen {
		return Invalid("spec_limits", "at most %d limits (got %d)", MaxListLen, len(p.SpecLimits))
	}
	seen := map[string]bool{}
	for i, l := range p.SpecLimits {
		f := "spec_limits[" + itoa(i) + "]"
		if err := ValidateLine(f+".unit", l.Unit, 16); err != nil {
			return err
		}
		if !propPattern.MatchString(l.Property) {
			return Invalid(f+".property", "%q must be lowercase letters, digits and '_', e.g. compressive_strength_28d", l.Property)
		}
		if seen[l.Property] {
			return Invalid(f+".property", "%q is listed twice", l.Property)
		}
		seen[l.Property] = true
		if l.Min == nil && l.Max == nil {
			return Invalid(f, "needs a min, a max or both")
		}
		if l.Min != nil && l.Max != nil && *l.Min > *l.Max {
			return Invalid(f, "min %s is above max %s", l.Min, l.Max)
		}
	}
	return ValidateLocalNames("names", p.Names)
}

// Limit returns the spec limit for property.
func (p *Product) Limit(property string) (SpecLimit, bool) {
	for _, l := range p.SpecLimits {
		if l.Property == property {
			return l, true
		}
	}
	return SpecLimit{}, false
}

func joinCats() string {
	s := make([]string, len(Categories))
	for i, c := range Categories {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// ValidateUnit checks a unit of measure.
func ValidateUnit(field, u string) error {
	for _, x := range Units {
		if x == u {
			return nil
		}
	}
	return Invalid(field, "%q is not one of %s", u, strings.Join(Units, ", "))
}

// ValidateGTIN checks a GS1 GTIN-8, -12, -13 or -14 including its check digit.
func ValidateGTIN(field, g string) error {
	switch len(g) {
	case 8, 12, 13, 14:
	default:
		return Invalid(field, "%q must have 8, 12, 13 or 14 digits", g)
	}
	sum := 0
	for i := len(g) - 1; i >= 0; i-- {
		c := g[i]
		if c < '0' || c > '9' {
			return Invalid(field, "%q must contain digits only", g)
		}
		if i == len(g)-1 {
			continue
		}
		d := int(c - '0')
		if (len(g)-1-i)%2 == 1 {
			d *= 3
		}
		sum += d
	}
	if want := (10 - sum%10) % 10; int(g[len(g)-1]-'0') != want {
		return Invalid(field, "%q has a wrong check digit (expected %d)", g, want)
	}
	return nil
}

// GTIN14 returns g left-padded with zeros to 14 digits, as GS1 Digital Link uses.
func GTIN14(g string) string {
	if g == "" {
		return ""
	}
	return strings.Repeat("0", 14-len(g)) + g
}

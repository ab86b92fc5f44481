package demo

import (
	"slices"
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestGTINCheckDigits(t *testing.T) {
	// Known GTIN-13s: the check digit of a real EAN-13 and GS1's own example.
	for body, want := range map[string]string{"400638133393": "4006381333931", "629104150021": "6291041500213"} {
		if got := gtin(body); got != want {
			t.Errorf("gtin(%s) = %s, want %s", body, got, want)
		}
	}
	withGTIN := 0
	for _, p := range Products() {
		if err := p.Validate(); err != nil {
			t.Errorf("product %s: %v", p.ID, err)
		}
		if p.GTIN != "" {
			withGTIN++
			if err := models.ValidateGTIN("gtin", p.GTIN); err != nil {
				t.Errorf("product %s: %v", p.ID, err)
			}
		}
	}
	if withGTIN < 3 {
		t.Errorf("%d products have a GTIN, want at least 3", withGTIN)
	}
}

func TestConsortium(t *testing.T) {
	orgs := Organizations()
	if len(orgs) < 8 || len(orgs) > 10 || orgs[0].Kind != models.KindAuthority {
		t.Fatalf("%d organizations, first %s; want 8-10 led by an authority", len(orgs), orgs[0].Kind)
	}
	kinds := map[models.OrgKind]int{}
	for _, o := range orgs {
		if err := o.Validate(); err != nil {
			t.Errorf("organization %s: %v", o.ID, err)
		}
		kinds[o.Kind]++
	}
	for _, k := range models.OrgKinds {
		if kinds[k] == 0 {
			t.Errorf("no %s organization", k)
		}
	}
	seen := map[string]bool{}
	per := map[string]map[models.Role]bool{}
	for _, u := range Users() {
		if err := u.Validate(); err != nil || u.Name == "" || seen[u.ID] {
			t.Errorf("user %+v: invalid or repeated (%v)", u, err)
		}
		seen[u.ID] = true
		if per[u.OrgID] == nil {
			per[u.OrgID] = map[models.Role]bool{}
		}
		per[u.OrgID][u.Role] = true
	}
	for _, o := range orgs {
		if len(per[o.ID]) != len(models.Roles) {
			t.Errorf("organization %s has users in %d roles, want one per role", o.ID, len(per[o.ID]))
		}
	}
}

func TestPlanIsPure(t *testing.T) {
	a, sa := Plan(Options{Seed: 5})
	b, sb := Plan(Options{Seed: 5})
	if len(a) != len(b) || sa.Batches != sb.Batches {
		t.Fatalf("two plans of seed 5 differ in size: %d and %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Type != b[i].Type || string(a[i].Args) != string(b[i].Args) || !a[i].Time.Equal(b[i].Time) || a[i].User != b[i].User {
			t.Fatalf("two plans of seed 5 differ at %d", i)
		}
	}
	long, _ := Plan(Options{Seed: 5, Events: 3000})
	for i := range a {
		if string(long[i].Args) != string(a[i].Args) {
			t.Fatalf("a longer history does not start with the standard one (differs at %d)", i)
		}
	}
}

// TestCitiesArePrefectureLevel: Fuyang and Tonglu are a district and a
// county of Hangzhou, not cities; the city is the prefecture-level city and
// the district or county goes in the address, as Chinese addresses read.
func TestCitiesArePrefectureLevel(t *testing.T) {
	zhejiang := []string{"Hangzhou", "Ningbo", "Wenzhou", "Jiaxing", "Huzhou", "Shaoxing", "Jinhua", "Quzhou", "Zhoushan", "Taizhou", "Lishui"}
	for _, o := range Organizations() {
		if !slices.Contains(zhejiang, o.City) {
			t.Errorf("organization %s is in %q, not a prefecture-level city of Zhejiang", o.ID, o.City)
		}
	}
}

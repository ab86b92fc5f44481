package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/plumbline/plumbline/models"
)

// TestNamesInOtherLanguages: from contract version 4 an organization, its
// sites and a product may carry names in other languages, which the
// stored records keep; earlier versions refuse them, and a bad language
// or an unknown site is invalid.
func TestNamesInOtherLanguages(t *testing.T) {
	n := 0
	run := func(f *fx, version int, org string, role models.Role, typ string, args any) ([]Write, error) {
		n++
		return Execute(f.st, Call{TxID: fmt.Sprintf("txn%04d", n), Type: typ, Args: jsonOf(t, args), Org: org, User: org + "-user", Role: role, Time: t0, Version: version})
	}
	site := models.Organization{ID: "newbuild", Name: "New Build Co", Kind: models.KindContractor, Sites: []string{"tower-c"},
		Names: models.LocalNames{"zh-CN": "新建工程公司"}, SiteNames: map[string]models.LocalNames{"tower-c": {"en": "Tower C", "zh-CN": "C 栋"}}}
	product := models.Product{ID: "po-52.5", Name: "P.O 52.5", Category: models.CatCement, Standard: "GB 175-2023", Unit: "t", Manufacturer: cemco,
		Names: models.LocalNames{"zh-CN": "P·O 52.5 普通硅酸盐水泥"}}
	f := newFx(t)
	if _, err := run(f, V3, gov, admin, "RegisterOrganization", RegisterOrganizationArgs{Organization: site}); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("names under V3: %v", err)
	}
	if _, err := run(f, V3, cemco, operator, "RegisterProduct", RegisterProductArgs{Product: product}); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("product names under V3: %v", err)
	}
	for name, bad := range map[string]func(o *models.Organization){
		"a language not spoken": func(o *models.Organization) { o.Names = models.LocalNames{"fr": "Nouvelle"} },
		"a blank name":          func(o *models.Organization) { o.Names = models.LocalNames{"zh-CN": " "} },
		"an unknown site":       func(o *models.Organization) { o.SiteNames = map[string]models.LocalNames{"tower-z": {"en": "Z"}} },
	} {
		o := site
		bad(&o)
		if _, err := run(f, V4, gov, admin, "RegisterOrganization", RegisterOrganizationArgs{Organization: o}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	w, err := run(f, V4, gov, admin, "RegisterOrganization", RegisterOrganizationArgs{Organization: site})
	if err != nil {
		t.Fatal(err)
	}
	var got models.Organization
	if err := json.Unmarshal(w[0].Value, &got); err != nil || got.Names["zh-CN"] != "新建工程公司" || got.SiteName("tower-c", "zh-CN") != "C 栋" || got.SiteName("tower-c", "fr") != "Tower C" {
		t.Fatalf("stored %s (%v)", w[0].Value, err)
	}
	w, err = run(f, V4, cemco, operator, "RegisterProduct", RegisterProductArgs{Product: product})
	if err != nil {
		t.Fatal(err)
	}
	var p models.Product
	for _, x := range w {
		if x.Key == models.Key(models.PrefixProduct, "po-52.5") {
			_ = json.Unmarshal(x.Value, &p)
		}
	}
	if p.Names.In("zh-CN", p.Name) != "P·O 52.5 普通硅酸盐水泥" || p.Names.In("en", p.Name) != "P.O 52.5" {
		t.Fatalf("stored product %+v", p)
	}
}

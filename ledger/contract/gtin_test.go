package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/models"
)

// gtin13 returns a valid GTIN-13 with body 690 followed by n (9 digits).
func gtin13(n int) string {
	body := fmt.Sprintf("690%09d", n)
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return body + fmt.Sprint((10-sum%10)%10)
}

// rangeSpy is a State that counts the ranges read under each prefix.
type rangeSpy struct {
	*MemState
	ranges map[string]int
}

func (s *rangeSpy) Range(prefix string, fn func(string, []byte) error) error {
	s.ranges[prefix]++
	return s.MemState.Range(prefix, fn)
}

// gtinRun submits product registrations with GTINs under given versions.
type gtinRun struct {
	t  *testing.T
	st *rangeSpy
	n  int
}

func newGTINRun(t *testing.T) *gtinRun {
	t.Helper()
	r := &gtinRun{t: t, st: &rangeSpy{MemState: NewMemState(), ranges: map[string]int{}}}
	for _, o := range []models.Organization{
		{ID: gov, Name: "Authority", Kind: models.KindAuthority},
		{ID: cemco, Name: "Cement Co", Kind: models.KindManufacturer},
		{ID: steelco, Name: "Steel Co", Kind: models.KindManufacturer},
	} {
		if _, err := r.exec(V1, gov, "RegisterOrganization", RegisterOrganizationArgs{Organization: o}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func (r *gtinRun) exec(version int, org, typ string, args any) ([]Write, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		r.t.Fatal(err)
	}
	r.n++
	role := models.RoleOperator
	if typ == "RegisterOrganization" {
		role = models.RoleAdmin
	}
	return Execute(r.st, Call{TxID: fmt.Sprintf("tx%04d", r.n), Type: typ, Args: raw, Org: org, User: org + "-user",
		Role: role, Time: t0.Add(time.Duration(r.n) * time.Minute), Version: version})
}

func (r *gtinRun) product(version int, org, id, gtin string) ([]Write, error) {
	return r.exec(version, org, "RegisterProduct", RegisterProductArgs{Product: models.Product{
		ID: id, Name: "Product " + id, Category: models.CatOther, Standard: "GB 1", Unit: "t", GTIN: gtin, Manufacturer: org,
	}})
}

func writtenKeys(ws []Write) []string {
	ks := make([]string, len(ws))
	for i, w := range ws {
		ks[i] = w.Key
	}
	return ks
}

// TestGTINIndexVersions: version 1 writes exactly what it always wrote
// (so old ledgers replay identically); version 2 indexes GTINs, builds the
// index once from the products already there, and then checks with one
// point read and no range read.
func TestGTINIndexVersions(t *testing.T) {
	r := newGTINRun(t)
	// Version 1: only the product record, whatever the GTIN.
	for i := range 3 {
		ws, err := r.product(V1, cemco, fmt.Sprintf("v1-%d", i), gtin13(i))
		if err != nil {
			t.Fatal(err)
		}
		if got := writtenKeys(ws); !slices.Equal(got, []string{"product/v1-" + fmt.Sprint(i)}) {
			t.Fatalf("version 1 wrote %v", got)
		}
	}
	if ws, err := r.product(0, cemco, "v0", gtin13(3)); err != nil || len(ws) != 1 {
		t.Fatalf("version 0 (= 1) wrote %v, %v", writtenKeys(ws), err)
	}
	// A version 2 registration without a GTIN neither reads nor builds the index.
	if ws, err := r.product(V2, cemco, "plain", ""); err != nil || !slices.Equal(writtenKeys(ws), []string{"product/plain"}) {
		t.Fatalf("version 2 without GTIN wrote %v, %v", writtenKeys(ws), err)
	}
	// The first version 2 registration with a GTIN builds the index.
	before := r.st.ranges[models.PrefixProduct]
	ws, err := r.product(V2, steelco, "v2-a", gtin13(10))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"gtin/0" + gtin13(0), "gtin/0" + gtin13(1), "gtin/0" + gtin13(10), "gtin/0" + gtin13(2), "gtin/0" + gtin13(3),
		models.KeyGTINIndexed, "product/v2-a"}
	slices.Sort(want)
	if got := writtenKeys(ws); !slices.Equal(got, want) {
		t.Fatalf("first version 2 registration wrote\n%v\nwant\n%v", got, want)
	}
	if r.st.ranges[models.PrefixProduct] != before+1 {
		t.Fatalf("building the index read %d product ranges", r.st.ranges[models.PrefixProduct]-before)
	}
	if v, _ := r.st.Get("gtin/0" + gtin13(2)); string(v) != "v1-2" {
		t.Fatalf("index of v1-2's GTIN holds %q", v)
	}
	// From now on: point reads only, one index key and the product written.
	before = r.st.ranges[models.PrefixProduct]
	ws, err = r.product(V2, steelco, "v2-b", gtin13(11))
	if err != nil {
		t.Fatal(err)
	}
	if got := writtenKeys(ws); !slices.Equal(got, []string{"gtin/0" + gtin13(11), "product/v2-b"}) {
		t.Fatalf("indexed registration wrote %v", got)
	}
	// Duplicates are refused with version 1's error, for products indexed
	// by the build and by version 2 registrations, padded or not.
	for _, c := range []struct{ gtin, owner, id string }{
		{gtin13(2), cemco, "v1-2"}, {"0" + gtin13(2), cemco, "v1-2"}, {gtin13(11), steelco, "v2-b"},
	} {
		_, err := r.product(V2, cemco, "dup", c.gtin)
		var me *models.Error
		if !errors.As(err, &me) || !errors.Is(err, models.ErrConflict) || me.Field != "product.gtin" ||
			!strings.Contains(me.Message, fmt.Sprintf("already registered for product %s of %s", c.id, c.owner)) {
			t.Fatalf("duplicate %s: %v", c.gtin, err)
		}
	}
	if got := r.st.ranges[models.PrefixProduct] - before; got != 0 {
		t.Fatalf("indexed registrations read %d product ranges, want none", got)
	}
	// Unknown versions are refused.
	if _, err := r.product(Latest+1, cemco, "future", ""); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("version %d: %v", Latest+1, err)
	}
}

// TestGTINRuleSameInEveryVersion: one history of registrations (new GTINs,
// duplicates padded and not, products without GTIN, duplicate IDs) is
// accepted and rejected alike by versions 1 and 2, with equal product
// records and equal error messages.
func TestGTINRuleSameInEveryVersion(t *testing.T) {
	type reg struct{ org, id, gtin string }
	history := []reg{
		{cemco, "a", gtin13(1)}, {cemco, "b", ""}, {steelco, "c", "0" + gtin13(1)}, {steelco, "d", gtin13(2)},
		{cemco, "a", gtin13(3)}, {cemco, "e", gtin13(3)}, {steelco, "f", gtin13(3)}, {cemco, "g", ""},
		{steelco, "h", gtin13(2)}, {steelco, "i", "0" + gtin13(4)}, {cemco, "j", gtin13(4)},
	}
	outcome := func(version int, switchAt int) ([]string, map[string]string) {
		r := newGTINRun(t)
		var errs []string
		for i, h := range history {
			v := V1
			if i >= switchAt {
				v = version
			}
			_, err := r.product(v, h.org, h.id, h.gtin)
			errs = append(errs, fmt.Sprint(err))
		}
		products := map[string]string{}
		_ = r.st.MemState.Range(models.PrefixProduct, func(k string, v []byte) error {
			products[k] = string(v)
			return nil
		})
		return errs, products
	}
	wantErrs, wantProducts := outcome(V1, 0)
	for switchAt := range len(history) + 1 {
		errs, products := outcome(V2, switchAt)
		if !slices.Equal(errs, wantErrs) {
			t.Fatalf("version 2 from registration %d: outcomes\n%q\nversion 1:\n%q", switchAt, errs, wantErrs)
		}
		if fmt.Sprint(products) != fmt.Sprint(wantProducts) {
			t.Fatalf("version 2 from registration %d: products differ", switchAt)
		}
	}
}

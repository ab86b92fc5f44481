package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestLoopbackBaseURLWarning: the labels page warns when the server's
// public URL names this machine only, since a phone cannot open it from a
// printed label.
func TestLoopbackBaseURLWarning(t *testing.T) {
	for base, want := range map[string]bool{
		"http://localhost:8080":         true,
		"http://127.0.0.1:8080":         true,
		"http://[::1]:8080":             true,
		"http://app.localhost":          true,
		"https://trace.example.com":     false,
		"http://192.168.1.20:8080":      false,
		"http://10.0.0.5":               false,
		"https://plumbline.example.cn/": false,
	} {
		if got := IsLoopbackURL(base); got != want {
			t.Errorf("IsLoopbackURL(%q) = %v, want %v", base, got, want)
		}
	}
	f := newFixture(t, true) // the test server's URL is 127.0.0.1
	c := f.login(t, "fuchun-cement.operator")
	for lang, says := range map[string]string{"en": "only this computer can open", "zh-CN": "只有本机能打开"} {
		c.get(t, "/login?lang="+lang) // the choice sticks in a cookie
		code, page := c.get(t, "/labels")
		if code != http.StatusOK || !strings.Contains(page, `id="labels-loopback"`) || !strings.Contains(page, f.URL) || !strings.Contains(page, says) {
			t.Errorf("%s: the labels page on a loopback URL: %d, no warning naming %s", lang, code, f.URL)
		}
	}
}

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

// TestLabelSheetFromThePage: the labels page's form makes the sheet; with
// nothing ticked it comes back with a message next to the form, in the
// reader's language, not a raw JSON error in a new tab.
func TestLabelSheetFromThePage(t *testing.T) {
	f := newFixture(t, true)
	c := f.login(t, "fuchun-cement.operator")
	code, page := c.get(t, "/labels")
	if code != http.StatusOK || !strings.Contains(page, `action="/labels/sheet"`) || strings.Contains(page, `target="_blank"`) {
		t.Fatalf("the labels form: %d", code)
	}
	for lang, says := range map[string]string{"en": "Tick at least one batch", "zh-CN": "请至少勾选一个批次"} {
		c.get(t, "/login?lang="+lang)
		code, page := c.get(t, "/labels/sheet?outline=1")
		if code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="labels-problem"`) || !strings.Contains(page, says) || !strings.Contains(page, `id="labels-form"`) {
			t.Errorf("%s: a sheet with nothing ticked: %d, want the page with %q", lang, code, says)
		}
	}
	i := strings.Index(page, `name="batch" value="`)
	if i < 0 {
		t.Fatal("no batch to tick on the labels page")
	}
	batch := page[i+len(`name="batch" value="`):]
	batch = batch[:strings.Index(batch, `"`)]
	resp, err := c.http.Get(f.URL + "/labels/sheet?batch=" + batch)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("a sheet of %s: %d %s", batch, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

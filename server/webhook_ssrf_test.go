package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/models"
)

// TestWebhookSSRFRegistration checks the address and port rules where an
// admin registers an endpoint through the API.
func TestWebhookSSRFRegistration(t *testing.T) {
	f := newFixture(t, true)
	admin := f.token(t, user(demo.OrgContractor, models.RoleAdmin))
	rcv := newReceiver(t) // 127.0.0.1 on a random port

	register := func(allowPrivate bool, url string, status int, inMessage string) {
		t.Helper()
		f.srv.opts.Webhooks.AllowPrivate = allowPrivate
		var e apiErr
		got := f.call(t, admin, "POST", "/api/v1/webhooks", endpointRequest{URL: url}, &e)
		if got != status {
			t.Errorf("register %s (allow private %v): %d %s, want %d", url, allowPrivate, got, e, status)
			return
		}
		if status == http.StatusUnprocessableEntity && (e.Error.Field != "url" || !strings.Contains(e.Error.Message, inMessage)) {
			t.Errorf("register %s: error %s, want field url and a message naming %q", url, e, inMessage)
		}
	}
	for _, c := range []struct {
		allowPrivate bool
		url          string
		status       int
		inMessage    string
	}{
		// Port rule: only 80 and 443 unless private endpoints are allowed.
		{false, "https://93.184.215.14:8443/hook", 422, "port 8443 is not allowed"},
		{false, "http://93.184.215.14:22/", 422, "port 22 is not allowed"},
		{false, "http://[2606:4700:4700::1111]:6379/", 422, "port 6379 is not allowed"},
		{false, "https://93.184.215.14:0/hook", 422, "port 0 is not allowed"},
		{false, "https://93.184.215.14/hook", 201, ""},
		{false, "https://93.184.215.14:443/hook", 201, ""},
		{false, "http://93.184.215.14:80/hook", 201, ""},
		{false, "http://[2606:4700:4700::1111]/hook", 201, ""},
		// Special-purpose addresses, also embedded in IPv6.
		{false, "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", 422, "not a public address"},
		{false, "http://[2002:a00:1::1]/hook", 422, "not a public address"},
		{false, "http://[::a00:1]/hook", 422, "not a public address"},
		{false, "http://[::ffff:127.0.0.1]/hook", 422, "not a public address"},
		{false, "http://100.64.0.1/hook", 422, "not a public address"},
		{false, "http://198.18.0.1/hook", 422, "not a public address"},
		{false, "http://240.0.0.1/hook", 422, "not a public address"},
		{false, rcv.srv.URL + "/hook", 422, "port"},
		// Allowing private endpoints (tests, a closed network) allows any port.
		{true, rcv.srv.URL + "/hook", 201, ""},
		{true, "https://93.184.215.14:8443/hook", 201, ""},
	} {
		register(c.allowPrivate, c.url, c.status, c.inMessage)
	}
}

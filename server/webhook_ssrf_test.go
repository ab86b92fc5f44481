package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/models"
)

// TestPublicAddrSpecialPurpose checks the SSRF guard against every IANA
// special-purpose range that is not a public destination, including IPv6
// forms that carry a private IPv4 address, and that public addresses pass.
func TestPublicAddrSpecialPurpose(t *testing.T) {
	for _, c := range []struct {
		ip     string
		public bool
		why    string
	}{
		// IPv4 special-purpose ranges.
		{"0.0.0.0", false, "unspecified"},
		{"0.1.2.3", false, "this network 0.0.0.0/8"},
		{"10.0.0.1", false, "private"},
		{"100.64.0.1", false, "CGNAT"},
		{"100.127.255.254", false, "CGNAT top"},
		{"127.0.0.1", false, "loopback"},
		{"169.254.169.254", false, "link-local metadata"},
		{"172.16.0.1", false, "private"},
		{"172.31.255.255", false, "private top"},
		{"192.0.0.8", false, "IETF protocol assignments 192.0.0.0/24"},
		{"192.0.2.10", false, "TEST-NET-1"},
		{"192.88.99.1", false, "6to4 relay anycast"},
		{"192.168.1.1", false, "private"},
		{"198.18.0.1", false, "benchmarking"},
		{"198.19.255.254", false, "benchmarking top"},
		{"198.51.100.7", false, "TEST-NET-2"},
		{"203.0.113.9", false, "TEST-NET-3"},
		{"224.0.0.1", false, "multicast"},
		{"239.255.255.250", false, "multicast SSDP"},
		{"240.0.0.1", false, "reserved 240.0.0.0/4"},
		{"255.255.255.255", false, "broadcast"},
		// IPv6 special-purpose ranges.
		{"::", false, "unspecified"},
		{"::1", false, "loopback"},
		{"100::1", false, "discard 100::/64"},
		{"2001::1", false, "Teredo"},
		{"2001:db8::1", false, "documentation"},
		{"3fff::1", false, "documentation 3fff::/20"},
		{"fc00::1", false, "unique-local"},
		{"fd12:3456::1", false, "unique-local"},
		{"fe80::1", false, "link-local"},
		{"fe80::1%eth0", false, "link-local with zone"},
		{"fec0::1", false, "site-local"},
		{"ff02::1", false, "multicast"},
		{"64:ff9b:1::a00:1", false, "local-use NAT64"},
		// IPv6 forms embedding a non-public IPv4 address.
		{"64:ff9b::a9fe:a9fe", false, "NAT64 of 169.254.169.254"},
		{"64:ff9b::a00:1", false, "NAT64 of 10.0.0.1"},
		{"64:ff9b::7f00:1", false, "NAT64 of 127.0.0.1"},
		{"2002:a00:1::1", false, "6to4 of 10.0.0.1"},
		{"2002:7f00:1::", false, "6to4 of 127.0.0.1"},
		{"2002:a9fe:a9fe::1", false, "6to4 of 169.254.169.254"},
		{"::a00:1", false, "IPv4-compatible 10.0.0.1"},
		{"::7f00:1", false, "IPv4-compatible 127.0.0.1"},
		{"::ffff:127.0.0.1", false, "IPv4-mapped loopback"},
		{"::ffff:169.254.169.254", false, "IPv4-mapped metadata"},
		{"::ffff:100.64.0.1", false, "IPv4-mapped CGNAT"},
		// Public addresses.
		{"93.184.215.14", true, "public IPv4"},
		{"8.8.8.8", true, "public IPv4"},
		{"100.63.255.255", true, "just below CGNAT"},
		{"198.20.0.1", true, "just above benchmarking"},
		{"2606:4700:4700::1111", true, "public IPv6"},
		{"2a00:1450:4001:830::200e", true, "public IPv6"},
		{"64:ff9b::808:808", true, "NAT64 of 8.8.8.8"},
		{"2002:808:808::1", true, "6to4 of 8.8.8.8"},
		{"::ffff:8.8.8.8", true, "IPv4-mapped public"},
	} {
		ip := netip.MustParseAddr(c.ip)
		if got := publicAddr(ip); got != c.public {
			t.Errorf("publicAddr(%s) = %v, want %v (%s)", c.ip, got, c.public, c.why)
		}
	}
	if publicAddr(netip.Addr{}) {
		t.Error("the zero Addr counts as public")
	}
}

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

// TestWebhookSSRFConnect checks that the worker refuses, at connect time,
// non-public addresses and ports other than 80 and 443, so an endpoint a
// DNS change or an older rule let through still cannot reach them.
func TestWebhookSSRFConnect(t *testing.T) {
	f := newFixture(t, false)
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(target.Close)
	f.srv.opts.Webhooks = WebhookOptions{}
	w := newWebhookWorker(f.srv)
	for _, c := range []struct{ url, want string }{
		{target.URL + "/hook", "not a public address"},
		{"http://93.184.215.14:8080/hook", "webhooks use port 80 or 443"},
		{"http://[64:ff9b::7f00:1]/hook", "not a public address"},
	} {
		resp, err := w.client.Get(c.url)
		if err == nil {
			_ = resp.Body.Close()
			t.Errorf("GET %s connected, want refused", c.url)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("GET %s: %v, want %q", c.url, err, c.want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("target got %d requests, want none", n)
	}

	// With private endpoints allowed the same receiver is reached.
	f.srv.opts.Webhooks = WebhookOptions{AllowPrivate: true}
	resp, err := newWebhookWorker(f.srv).client.Get(target.URL + "/hook")
	if err != nil {
		t.Fatalf("GET with AllowPrivate: %v", err)
	}
	_ = resp.Body.Close()
	if n := hits.Load(); n != 1 {
		t.Errorf("target got %d requests with AllowPrivate, want 1", n)
	}
}

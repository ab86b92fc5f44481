package webhook

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
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

// TestWebhookSSRFConnect checks that the worker refuses, at connect time,
// non-public addresses and ports other than 80 and 443, so an endpoint a
// DNS change or an older rule let through still cannot reach them.
func TestWebhookSSRFConnect(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(target.Close)
	w := NewWorker(nil, "", nil, nil, Options{})
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
	resp, err := NewWorker(nil, "", nil, nil, Options{AllowPrivate: true}).client.Get(target.URL + "/hook")
	if err != nil {
		t.Fatalf("GET with AllowPrivate: %v", err)
	}
	_ = resp.Body.Close()
	if n := hits.Load(); n != 1 {
		t.Errorf("target got %d requests with AllowPrivate, want 1", n)
	}
}

package webhook

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// Endpoints must be http or https URLs on port 80 or 443. Addresses that
// are not public (publicAddr: loopback, private, link-local, unique-local,
// CGNAT, multicast, broadcast, unspecified, documentation, benchmarking,
// reserved, and IPv6 forms embedding such an IPv4 address: NAT64, 6to4,
// IPv4-compatible, IPv4-mapped) are refused, when registering
// (CheckEndpointURL) and again when connecting (the worker's dialer), so
// DNS cannot point a registered name at an internal service, unless
// Options.AllowPrivate is set (tests; a closed network), which also allows
// any port.

// nonPublicV4 are the IANA IPv4 special-purpose ranges (RFC 6890 and its
// updates) that are not reachable public unicast destinations.
var nonPublicV4 = mustPrefixes(
	"0.0.0.0/8",       // "this network"
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // shared address space (CGNAT)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local (cloud metadata services)
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation (TEST-NET-1)
	"192.88.99.0/24",  // 6to4 relay anycast (deprecated)
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation (TEST-NET-2)
	"203.0.113.0/24",  // documentation (TEST-NET-3)
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and 255.255.255.255 broadcast
)

// nonPublicV6 are the IANA IPv6 special-purpose ranges that are not public
// unicast destinations and do not embed an IPv4 address publicAddr judges
// instead (NAT64 64:ff9b::/96, 6to4 2002::/16, IPv4-compatible ::/96,
// IPv4-mapped ::ffff:0:0/96).
var nonPublicV6 = mustPrefixes(
	"64:ff9b:1::/48", // local-use NAT64 (RFC 8215)
	"100::/64",       // discard-only
	"2001::/23",      // IETF protocol assignments, Teredo 2001::/32 among them
	"2001:db8::/32",  // documentation
	"3fff::/20",      // documentation (RFC 9637)
	"5f00::/16",      // SRv6 SIDs
	"fc00::/7",       // unique-local
	"fe80::/10",      // link-local
	"fec0::/10",      // site-local (deprecated)
	"ff00::/8",       // multicast
)

var (
	nat64Prefix     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFourPrefix = netip.MustParsePrefix("2002::/16")
	v4CompatPrefix  = netip.MustParsePrefix("::/96")
	globalV6        = netip.MustParsePrefix("2000::/3")
)

func mustPrefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// embeddedV4 returns the IPv4 address an IPv6 address carries by one of
// the translation or transition forms (IPv4-mapped, NAT64 well-known
// prefix, 6to4, IPv4-compatible), so that publicAddr judges where a
// connection really goes.
func embeddedV4(ip netip.Addr) (netip.Addr, bool) {
	if ip.Is4In6() {
		return ip.Unmap(), true
	}
	b := ip.As16()
	switch {
	case nat64Prefix.Contains(ip), v4CompatPrefix.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFourPrefix.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// publicAddr reports whether ip is a public unicast address: not in an
// IANA special-purpose range that is not globally reachable, and, for an
// IPv6 address embedding an IPv4 one, the embedded address is public.
func publicAddr(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.WithZone("")
	if ip.Is6() {
		if v4, ok := embeddedV4(ip); ok {
			ip = v4
		}
	}
	if ip.Is4() {
		for _, p := range nonPublicV4 {
			if p.Contains(ip) {
				return false
			}
		}
		return true
	}
	if !globalV6.Contains(ip) {
		return false
	}
	for _, p := range nonPublicV6 {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// webhookPort reports whether port is one endpoints may use without
// AllowPrivate: the standard http and https ports.
func webhookPort(port uint16) bool {
	return port == 80 || port == 443
}

// CheckEndpointURL validates an endpoint URL for registration and returns
// it normalised: an http or https URL without credentials, and, unless
// allowPrivate, on port 80 or 443 with a host whose every address is
// public. A rejection is a models.Error on the field "url".
func CheckEndpointURL(ctx context.Context, raw string, allowPrivate bool) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return "", models.Invalid("url", "%q is not a URL; give the full address, e.g. https://erp.example.com/plumbline/hook", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", models.Invalid("url", "must start with https:// (or http://), not %q", u.Scheme+":")
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", models.Invalid("url", "has no host name")
	}
	if u.User != nil {
		return "", models.Invalid("url", "must not carry a user name or password; the signature authenticates deliveries")
	}
	if len(raw) > 2000 {
		return "", models.Invalid("url", "is longer than 2000 characters")
	}
	if !allowPrivate {
		if p := u.Port(); p != "" {
			if n, err := strconv.ParseUint(p, 10, 16); err != nil || !webhookPort(uint16(n)) {
				return "", models.Invalid("url", "port %s is not allowed; webhooks are only sent to port 443 (https) or 80 (http): leave the port out of the URL", p)
			}
		}
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
		if err != nil || len(ips) == 0 {
			return "", models.Invalid("url", "host %s cannot be resolved", u.Hostname())
		}
		for _, ip := range ips {
			if !publicAddr(ip) {
				return "", models.Invalid("url", "host %s is %s, not a public address (private, loopback, link-local, reserved or special-purpose ranges, also when embedded in IPv6, are refused); webhooks are only sent to the internet", u.Hostname(), ip)
			}
		}
	}
	return u.String(), nil
}

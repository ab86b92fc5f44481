package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// Webhooks: an organization's admin registers endpoint URLs; every
// notification to the organization is queued for each of them in the
// projector's transaction (internal/store/notify.go), and this worker
// POSTs the queued deliveries, signed, retrying with exponential backoff
// and jitter. All state is in the database, so deliveries survive a
// restart; a delivery interrupted by a crash is sent again (at least
// once: receivers de-duplicate by X-Plumbline-Delivery).
//
// Endpoints must be http or https URLs on port 80 or 443. Addresses that
// are not public (publicAddr: loopback, private, link-local, unique-local,
// CGNAT, multicast, broadcast, unspecified, documentation, benchmarking,
// reserved, and IPv6 forms embedding such an IPv4 address: NAT64, 6to4,
// IPv4-compatible, IPv4-mapped) are refused, when registering and again
// when connecting (so DNS cannot point a registered name at an internal
// service), unless WebhookOptions.AllowPrivate is set (tests; a closed
// network), which also allows any port.

// WebhookOptions configures webhook delivery.
type WebhookOptions struct {
	// AllowPrivate allows endpoints on loopback and private addresses.
	AllowPrivate bool
	// MaxAttempts is how many times a delivery is tried before it is
	// marked failed; 0 means 8.
	MaxAttempts int
	// Backoff is the wait after the first failed attempt, doubled after
	// each further one (with ±20% jitter), at most MaxBackoff; 0 means 30 s.
	Backoff time.Duration
	// MaxBackoff caps the wait; 0 means 1 hour.
	MaxBackoff time.Duration
	// Timeout bounds one attempt; 0 means 10 s.
	Timeout time.Duration
	// Poll is how often the worker looks for due deliveries; 0 means 1 s.
	Poll time.Duration
}

func (o WebhookOptions) withDefaults() WebhookOptions {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	return o
}

// Webhook headers.
const (
	headerEvent     = "X-Plumbline-Event"
	headerDelivery  = "X-Plumbline-Delivery"
	headerTimestamp = "X-Plumbline-Timestamp"
	headerSignature = "X-Plumbline-Signature"
)

// webhookPayload is the JSON body of a delivery.
type webhookPayload struct {
	Delivery     int64              `json:"delivery"`
	Event        string             `json:"event"`
	Notification store.Notification `json:"notification"`
	// URL is the case's page.
	URL string `json:"url,omitempty"`
}

// signPayload returns the X-Plumbline-Signature value of body sent at timestamp
// (Unix seconds) with secret: "sha256=" and the hex HMAC-SHA256 of
// timestamp + "." + body.
func signPayload(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// webhookWorker delivers queued webhooks.
type webhookWorker struct {
	s      *Server
	opts   WebhookOptions
	client *http.Client
}

func newWebhookWorker(s *Server) *webhookWorker {
	o := s.opts.Webhooks.withDefaults()
	d := &net.Dialer{Timeout: o.Timeout}
	if !o.AllowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			if !publicAddr(ap.Addr()) {
				return fmt.Errorf("refusing to connect to %s: not a public address", ap.Addr())
			}
			if !webhookPort(ap.Port()) {
				return fmt.Errorf("refusing to connect to port %d: webhooks use port 80 or 443", ap.Port())
			}
			return nil
		}
	}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: o.Timeout, ResponseHeaderTimeout: o.Timeout,
		MaxIdleConns: 10, IdleConnTimeout: time.Minute, Proxy: nil}
	return &webhookWorker{s: s, opts: o, client: &http.Client{Transport: tr, Timeout: o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

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

// checkEndpointURL validates an endpoint URL for registration.
func checkEndpointURL(ctx context.Context, raw string, allowPrivate bool) (string, error) {
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

// newSecret returns a fresh endpoint secret.
func newSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "whsec_" + hex.EncodeToString(b[:])
}

// run delivers due webhooks until ctx is done.
func (w *webhookWorker) run(ctx context.Context) {
	t := time.NewTicker(w.opts.Poll)
	defer t.Stop()
	for {
		w.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep attempts every due delivery once.
func (w *webhookWorker) sweep(ctx context.Context) {
	for ctx.Err() == nil {
		due, err := w.s.opTables.DueWebhooks(ctx, w.s.opts.Now(), 20)
		if err != nil {
			if ctx.Err() == nil {
				w.s.opts.Logger.Error("webhooks: read due deliveries", "err", err)
			}
			return
		}
		if len(due) == 0 {
			return
		}
		for _, d := range due {
			if ctx.Err() != nil {
				return
			}
			// An attempt once started is finished and recorded even when
			// the server is stopping (it waits at most Timeout): the
			// receiver may already have it, and the log must say so.
			// Only a kill between the POST and the record repeats one.
			finish := context.WithoutCancel(ctx)
			a := w.attempt(finish, d)
			if err := w.s.opTables.RecordAttempt(finish, d.ID, a); err != nil {
				w.s.opts.Logger.Error("webhooks: record attempt", "delivery", d.ID, "err", err)
				return
			}
		}
	}
}

// attempt POSTs one delivery and says what happened and when to retry.
func (w *webhookWorker) attempt(ctx context.Context, d store.DueWebhook) store.Attempt {
	now := w.s.opts.Now()
	a := store.Attempt{At: now}
	body, err := json.Marshal(webhookPayload{Delivery: d.ID, Event: d.Event, Notification: d.Notification,
		URL: caseURL(w.s.opts.BaseURL, d.Notification.Case)})
	if err != nil {
		a.Err = err.Error()
		return a
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		a.Err = err.Error()
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Plumbline-Webhook/1")
	req.Header.Set(headerEvent, d.Event)
	req.Header.Set(headerDelivery, strconv.FormatInt(d.ID, 10))
	req.Header.Set(headerTimestamp, ts)
	req.Header.Set(headerSignature, signPayload(d.Endpoint.Secret, ts, body))
	resp, err := w.client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		a.Code = resp.StatusCode
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			a.OK = true
			return a
		}
		a.Err = "HTTP " + resp.Status
	} else {
		a.Err = err.Error()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			a.Err = "timed out after " + w.opts.Timeout.String()
		}
	}
	if len(a.Err) > 500 {
		a.Err = a.Err[:500]
	}
	if d.Attempts+1 < w.opts.MaxAttempts {
		a.NextAt = now.Add(w.backoff(d.Attempts + 1))
	}
	return a
}

// backoff is the wait after the n-th failed attempt: Backoff·2^(n-1),
// at most MaxBackoff, with ±20% jitter so that retries of many deliveries
// do not arrive together.
func (w *webhookWorker) backoff(n int) time.Duration {
	d := w.opts.Backoff
	for i := 1; i < n && d < w.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.opts.MaxBackoff)
	j := time.Duration(float64(d) * (0.8 + 0.4*mrand.Float64()))
	return max(j, time.Millisecond)
}

// caseURL is the page of case id on base.
func caseURL(base, id string) string {
	if id == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/cases/" + url.PathEscape(id)
}

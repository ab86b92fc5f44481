package auth

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLimiterKeys(t *testing.T) {
	for _, tc := range []struct{ login, ip, want string }{
		{"Acme.Op", "192.0.2.1", "l\x00acme.op\x00192.0.2.1"},
		{"acme.op", "::ffff:192.0.2.1", "l\x00acme.op\x00192.0.2.1"},
		{"acme.op", "2001:db8::1", "l\x00acme.op\x002001:db8::/64"},
		{"acme.op", "2001:DB8:0:0:abcd::9", "l\x00acme.op\x002001:db8::/64"},
		{"acme.op", "not an ip", "l\x00acme.op\x00not an ip"},
	} {
		if got := limiterKeys(tc.login, tc.ip)[0]; got != tc.want {
			t.Errorf("limiterKeys(%q, %q) = %q, want %q", tc.login, tc.ip, got, tc.want)
		}
	}
}

func TestLimiterBounded(t *testing.T) {
	cfg, err := RateLimit{PerLoginIP: 2, MaxKeys: 10}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	l := newLimiter(cfg)
	now := time.Unix(1e9, 0)
	for i := range 100 {
		l.begin(limiterKeys("user", fmt.Sprint("10.0.0.", i)), now)
		if len(l.entries) > cfg.MaxKeys || l.lru.Len() != len(l.entries) {
			t.Fatalf("%d entries, %d in LRU; max %d", len(l.entries), l.lru.Len(), cfg.MaxKeys)
		}
	}
	// Entries whose failures have left the window are swept as attempts come.
	now = now.Add(cfg.Window)
	for range 3 {
		l.begin(limiterKeys("user", "10.1.1.1"), now)
	}
	if len(l.entries) != 2 {
		t.Fatalf("%d entries after the window passed, want 2 (the new login+IP and IP)", len(l.entries))
	}
}

// Concurrent wrong guesses cannot exceed the limit: each attempt counts as
// a failure before its password is checked.
func TestLimiterConcurrent(t *testing.T) {
	cfg, _ := RateLimit{}.withDefaults()
	l := newLimiter(cfg)
	now := time.Unix(1e9, 0)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, wait := l.begin(limiterKeys("acme.op", "192.0.2.1"), now); wait == 0 {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != int64(cfg.PerLoginIP) {
		t.Fatalf("%d attempts allowed, want %d", n, cfg.PerLoginIP)
	}
}

func TestLimiterCancel(t *testing.T) {
	cfg, _ := RateLimit{PerLoginIP: 1}.withDefaults()
	l := newLimiter(cfg)
	now := time.Unix(1e9, 0)
	keys := limiterKeys("acme.op", "192.0.2.1")
	att, _ := l.begin(keys, now)
	l.cancel(att)
	if len(l.entries) != 0 {
		t.Fatalf("%d entries after cancel", len(l.entries))
	}
	if _, wait := l.begin(keys, now); wait != 0 {
		t.Fatal("a cancelled attempt counted")
	}
}

func TestRateLimitConfig(t *testing.T) {
	if _, err := (RateLimit{PerIP: -1}).withDefaults(); err == nil {
		t.Error("negative PerIP accepted")
	}
	for d, want := range map[time.Duration]string{
		90 * time.Second:        "1m30s",
		90*time.Second + 1:      "1m31s",
		time.Millisecond:        "1s",
		15*time.Minute - 999999: "15m0s",
	} {
		msg := (&RateLimitError{RetryAfter: d}).Error()
		if msg != "too many failed logins; try again in "+want {
			t.Errorf("RetryAfter %v: %q", d, msg)
		}
	}
}

package auth

import (
	"container/list"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// ErrRateLimited marks a login refused, without checking the password,
// because too many recent attempts failed. Authenticate returns it wrapped
// in a *RateLimitError.
var ErrRateLimited = errors.New("too many failed logins")

// RateLimitError is a refused login; RetryAfter says when the next attempt
// from the same login and client may be checked.
type RateLimitError struct {
	RetryAfter time.Duration
}

// Error implements error.
func (e *RateLimitError) Error() string {
	d := e.RetryAfter
	if r := d % time.Second; r > 0 {
		d += time.Second - r // round up: "in 0s" would be wrong
	}
	return fmt.Sprintf("too many failed logins; try again in %v", d)
}

// Unwrap lets errors.Is(err, ErrRateLimited) work.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// RateLimit bounds failed logins in a sliding window. Zero fields take the
// defaults shown.
//
// Failures are counted per login and client IP (so one person mistyping
// does not lock out colleagues behind the same NAT, and an attacker cannot
// lock a user out from elsewhere) and per client IP across logins (so one
// client cannot spray guesses over many accounts). IPv6 clients are counted
// per /64, the block one host usually holds.
//
// The counters live in memory, guarded by a mutex, and are bounded by
// MaxKeys with least-recently-failed entries evicted first. That is right
// for one server process; several processes behind a load balancer each
// allow the limit, and a restart forgets the counts. Both are accepted:
// argon2id already makes each guess expensive.
type RateLimit struct {
	Window     time.Duration // sliding window; default 15 minutes
	PerLoginIP int           // failures per login and client IP; default 5
	PerIP      int           // failures per client IP; default 30
	MaxKeys    int           // counters kept at most; default 100000
}

func (r RateLimit) withDefaults() (RateLimit, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if r.Window == 0 {
		r.Window = 15 * time.Minute
	}
	def(&r.PerLoginIP, 5)
	def(&r.PerIP, 30)
	def(&r.MaxKeys, 100_000)
	if r.Window < 0 || r.PerLoginIP < 0 || r.PerIP < 0 || r.MaxKeys < 0 {
		return r, fmt.Errorf("rate limit %+v: values must not be negative", r)
	}
	return r, nil
}

// limiter counts recent failures per key.
type limiter struct {
	cfg     RateLimit
	mu      sync.Mutex
	entries map[string]*list.Element // of *failures
	lru     *list.List               // most recently touched first
}

// failures are a key's failure times inside the window, oldest first; at
// most its limit are kept.
type failures struct {
	key   string
	times []time.Time
}

// attempt is a login in progress: it has been counted as a failure of each
// key in advance, so concurrent guesses cannot slip past the limit.
type attempt struct {
	keys [2]string // login+IP, IP
	at   time.Time
}

func newLimiter(cfg RateLimit) *limiter {
	return &limiter{cfg: cfg, entries: map[string]*list.Element{}, lru: list.New()}
}

// limiterKeys returns the login+IP and the IP key of an attempt.
func limiterKeys(login, clientIP string) [2]string {
	ip := clientIP
	if addr, err := netip.ParseAddr(clientIP); err == nil {
		addr = addr.Unmap()
		if addr.Is6() {
			p, _ := addr.Prefix(64)
			ip = p.String()
		} else {
			ip = addr.String()
		}
	}
	ip = truncate(ip, 64)
	return [2]string{"l\x00" + truncate(strings.ToLower(login), 128) + "\x00" + ip, "i\x00" + ip}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// begin records a tentative failure of the attempt's keys, or, when a key
// is at its limit, records nothing and returns how long until it is not.
func (l *limiter) begin(keys [2]string, now time.Time) (attempt, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	var wait time.Duration
	for i, limit := range []int{l.cfg.PerLoginIP, l.cfg.PerIP} {
		f := l.get(keys[i], now)
		if f != nil && len(f.times) >= limit {
			wait = max(wait, f.times[len(f.times)-limit].Add(l.cfg.Window).Sub(now))
		}
	}
	if wait > 0 {
		return attempt{}, wait
	}
	for _, k := range keys {
		e, ok := l.entries[k]
		if !ok {
			for len(l.entries) >= l.cfg.MaxKeys && l.lru.Len() > 0 {
				l.remove(l.lru.Back())
			}
			e = l.lru.PushFront(&failures{key: k})
			l.entries[k] = e
		}
		f := e.Value.(*failures)
		f.times = append(f.times, now)
		l.lru.MoveToFront(e)
	}
	return attempt{keys: keys, at: now}, 0
}

// succeeded clears the login+IP counter and withdraws the IP's tentative
// failure.
func (l *limiter) succeeded(a attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.entries[a.keys[0]]; ok {
		l.remove(e)
	}
	l.withdraw(a.keys[1], a.at)
}

// cancel withdraws the attempt's tentative failures, for attempts that
// ended in an error that was not the client's doing.
func (l *limiter) cancel(a attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range a.keys {
		l.withdraw(k, a.at)
	}
}

// withdraw removes one failure at time at from key.
func (l *limiter) withdraw(key string, at time.Time) {
	e, ok := l.entries[key]
	if !ok {
		return
	}
	f := e.Value.(*failures)
	for i, t := range f.times {
		if t.Equal(at) {
			f.times = append(f.times[:i], f.times[i+1:]...)
			break
		}
	}
	if len(f.times) == 0 {
		l.remove(e)
	}
}

// get returns key's failures inside the window, or nil.
func (l *limiter) get(key string, now time.Time) *failures {
	e, ok := l.entries[key]
	if !ok {
		return nil
	}
	f := e.Value.(*failures)
	cut := now.Add(-l.cfg.Window)
	i := 0
	for i < len(f.times) && !f.times[i].After(cut) {
		i++
	}
	f.times = f.times[i:]
	return f
}

// sweep drops least recently touched entries whose failures have all left
// the window; a few per call keeps memory in check without a timer.
func (l *limiter) sweep(now time.Time) {
	cut := now.Add(-l.cfg.Window)
	for range 8 {
		e := l.lru.Back()
		if e == nil {
			return
		}
		f := e.Value.(*failures)
		if len(f.times) > 0 && f.times[len(f.times)-1].After(cut) {
			return
		}
		l.remove(e)
	}
}

func (l *limiter) remove(e *list.Element) {
	delete(l.entries, e.Value.(*failures).key)
	l.lru.Remove(e)
}

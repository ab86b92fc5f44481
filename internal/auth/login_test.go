package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		f.create(t, "acme.op", "acme", models.RoleOperator)
		f.create(t, "acme.gone", "acme", models.RoleViewer)
		if err := f.a.SetDisabled(f.ctx, "acme.gone", true); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, login, password string
			kind                  error
			msg                   string
		}{
			{"ok", "acme.op", testPassword, nil, ""},
			{"login with spaces", "  acme.op ", testPassword, nil, ""},
			{"wrong password", "acme.op", "wrong password", models.ErrForbidden, "wrong login or password"},
			{"empty password", "acme.op", "", models.ErrForbidden, "wrong login or password"},
			{"wrong case", "ACME.op", testPassword, models.ErrForbidden, "wrong login or password"},
			{"unknown", "acme.nobody", testPassword, models.ErrForbidden, "wrong login or password"},
			{"empty login", "", testPassword, models.ErrForbidden, "wrong login or password"},
			{"long login", strings.Repeat("x", 500), testPassword, models.ErrForbidden, "wrong login or password"},
			{"invalid utf-8 login", "acme.\xff", testPassword, models.ErrForbidden, "wrong login or password"},
			{"NUL in login", "acme.op\x00", testPassword, models.ErrForbidden, "wrong login or password"},
			{"disabled, wrong password", "acme.gone", "wrong password", models.ErrForbidden, "wrong login or password"},
			{"disabled", "acme.gone", testPassword, models.ErrForbidden, "disabled"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := f.a.hashes.Load()
				u, err := f.a.Authenticate(f.ctx, tc.login, tc.password, "192.0.2.10")
				// Known and unknown logins cost one argon2id derivation each.
				if n := f.a.hashes.Load() - before; n != 1 {
					t.Errorf("%d argon2id derivations, want 1", n)
				}
				wantKind(t, err, tc.kind)
				if err != nil {
					if !strings.Contains(err.Error(), tc.msg) {
						t.Fatalf("error %q does not say %q", err, tc.msg)
					}
					if u != (User{}) {
						t.Fatalf("user %+v returned with an error", u)
					}
				} else if u.ID != "acme.op" || u.Role != models.RoleOperator {
					t.Fatalf("user = %+v", u)
				}
			})
		}
	})
}

func TestAuthenticateRehashes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		f.create(t, "acme.op", "acme", models.RoleOperator)
		stronger := CheapParams
		stronger.Time = 2
		f.a.params = stronger
		if _, err := f.a.Authenticate(f.ctx, "acme.op", testPassword, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		var row userRow
		if err := f.a.db.Where("id = ?", "acme.op").Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if p, _, _, err := parseHash(row.PasswordHash); err != nil || p != stronger {
			t.Fatalf("stored params %+v, %v; want %+v", p, err, stronger)
		}
		if _, err := f.a.Authenticate(f.ctx, "acme.op", testPassword, "192.0.2.1"); err != nil {
			t.Fatalf("after re-hash: %v", err)
		}
	})
}

// rateLimited fails the test unless err is a *RateLimitError whose wait
// is want.
func rateLimited(t *testing.T, err error, want time.Duration) {
	t.Helper()
	var rl *RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("error = %v, want a *RateLimitError", err)
	}
	if rl.RetryAfter != want {
		t.Fatalf("RetryAfter = %v, want %v", rl.RetryAfter, want)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		f.create(t, "acme.op", "acme", models.RoleOperator)
		auth := func(login, pw, ip string) error { return errOnly(f.a.Authenticate(f.ctx, login, pw, ip)) }
		// Five failures a minute apart use up the login+IP allowance.
		for range 5 {
			wantKind(t, auth("acme.op", "wrong password", "192.0.2.1"), models.ErrForbidden)
			f.clock.Advance(time.Minute)
		}
		before := f.a.hashes.Load()
		rateLimited(t, auth("acme.op", testPassword, "192.0.2.1"), 10*time.Minute)
		if f.a.hashes.Load() != before {
			t.Fatal("a rate-limited login checked the password")
		}
		// The same login from another client, and another login from the
		// same client, are still checked.
		if err := auth("acme.op", testPassword, "198.51.100.7"); err != nil {
			t.Fatal(err)
		}
		wantKind(t, auth("acme.other", "wrong password", "192.0.2.1"), models.ErrForbidden)
		// When the oldest failure leaves the window, one attempt is allowed.
		f.clock.Advance(10 * time.Minute)
		wantKind(t, auth("acme.op", "wrong password", "192.0.2.1"), models.ErrForbidden)
		rateLimited(t, auth("acme.op", testPassword, "192.0.2.1"), time.Minute)
		f.clock.Advance(time.Minute)
		// A success clears the login+IP count.
		if err := auth("acme.op", testPassword, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			wantKind(t, auth("acme.op", "wrong password", "192.0.2.1"), models.ErrForbidden)
		}
		if err := auth("acme.op", testPassword, "192.0.2.1"); err != nil {
			t.Fatalf("after 4 failures: %v", err)
		}
	})
}

func TestRateLimitPerIP(t *testing.T) {
	f := open(t, "sqlite", func(o *Options) { o.RateLimit = RateLimit{PerIP: 3} })
	f.create(t, "acme.op", "acme", models.RoleOperator)
	for _, login := range []string{"a", "b", "c"} {
		wantKind(t, errOnly(f.a.Authenticate(f.ctx, login, "guess guess", "2001:db8::1")), models.ErrForbidden)
	}
	// The same /64 is the same client; another /64 is not.
	rateLimited(t, errOnly(f.a.Authenticate(f.ctx, "acme.op", testPassword, "2001:db8::ffff")), 15*time.Minute)
	if _, err := f.a.Authenticate(f.ctx, "acme.op", testPassword, "2001:db8:0:1::1"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(15 * time.Minute)
	if _, err := f.a.Authenticate(f.ctx, "acme.op", testPassword, "2001:db8::1"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

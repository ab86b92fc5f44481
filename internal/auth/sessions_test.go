package auth

import (
	"regexp"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect, func(o *Options) { o.SessionTTL = time.Hour })
		f.create(t, "acme.op", "acme", models.RoleOperator)
		token, s, err := f.a.NewSession(f.ctx, "acme.op")
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(token) {
			t.Fatalf("token %q is not 32 bytes of base64url", token)
		}
		now := f.clock.Now().UTC().Truncate(time.Microsecond)
		if s.ID != sha256Hex(token) || s.UserID != "acme.op" || len(s.CSRF) != 43 || s.CSRF == token ||
			!s.CreatedAt.Equal(now) || !s.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("session %+v", s)
		}
		token2, s2, _ := f.a.NewSession(f.ctx, "acme.op")
		if token2 == token || s2.CSRF == s.CSRF {
			t.Fatal("two sessions share a token or CSRF token")
		}

		f.clock.Advance(59 * time.Minute)
		got, u, err := f.a.Session(f.ctx, token)
		if err != nil || got != s || u.ID != "acme.op" {
			t.Fatalf("Session = %+v, %+v, %v; want %+v", got, u, err, s)
		}
		if !CSRFEqual(got.CSRF, s.CSRF) || CSRFEqual(got.CSRF, s2.CSRF) || CSRFEqual("", "") {
			t.Fatal("CSRFEqual")
		}
		// Role changes show at once.
		_ = f.a.SetRole(f.ctx, "acme.op", models.RoleViewer)
		if _, u, _ := f.a.Session(f.ctx, token); u.Role != models.RoleViewer {
			t.Fatalf("role %q after SetRole", u.Role)
		}

		for _, bad := range []string{"", "nonsense", s.ID} { // the stored ID is not a token
			_, _, err := f.a.Session(f.ctx, bad)
			wantKind(t, err, models.ErrForbidden)
		}

		if err := f.a.EndSession(f.ctx, token2); err != nil {
			t.Fatal(err)
		}
		if err := f.a.EndSession(f.ctx, token2); err != nil {
			t.Fatalf("ending an ended session: %v", err)
		}
		_, _, err = f.a.Session(f.ctx, token2)
		wantKind(t, err, models.ErrForbidden)

		f.clock.Advance(time.Minute) // exactly at ExpiresAt
		_, _, err = f.a.Session(f.ctx, token)
		wantKind(t, err, models.ErrForbidden)
		if err.Error() != "session expired; log in again" {
			t.Fatalf("message %q", err)
		}
		if n := count(t, f, "auth_sessions"); n != 0 {
			t.Fatalf("%d sessions left; the expired one was not deleted", n)
		}

		_, _, err = f.a.NewSession(f.ctx, "nobody")
		wantKind(t, err, models.ErrNotFound)
	})
}

func TestSessionsEndWithUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		f.create(t, "acme.op", "acme", models.RoleOperator)
		f.create(t, "acme.admin", "acme", models.RoleAdmin)
		other, _, _ := f.a.NewSession(f.ctx, "acme.admin")

		// ChangePassword keeps the caller's session and ends the others.
		keep, _, _ := f.a.NewSession(f.ctx, "acme.op")
		lose, _, _ := f.a.NewSession(f.ctx, "acme.op")
		if err := f.a.ChangePassword(f.ctx, "acme.op", "another password", keep); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.a.Session(f.ctx, keep); err != nil {
			t.Fatalf("kept session: %v", err)
		}
		_, _, err := f.a.Session(f.ctx, lose)
		wantKind(t, err, models.ErrForbidden)

		// SetPassword ends them all.
		if err := f.a.SetPassword(f.ctx, "acme.op", "a third password"); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.a.Session(f.ctx, keep)
		wantKind(t, err, models.ErrForbidden)

		// Disabling ends sessions and refuses new ones.
		live, _, _ := f.a.NewSession(f.ctx, "acme.op")
		if err := f.a.SetDisabled(f.ctx, "acme.op", true); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.a.Session(f.ctx, live)
		wantKind(t, err, models.ErrForbidden)
		_, _, err = f.a.NewSession(f.ctx, "acme.op")
		wantKind(t, err, models.ErrForbidden)

		// Other users' sessions were untouched throughout.
		if _, _, err := f.a.Session(f.ctx, other); err != nil {
			t.Fatalf("another user's session: %v", err)
		}
	})
}

func TestPurge(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect, func(o *Options) { o.SessionTTL = time.Hour })
		f.create(t, "acme.op", "acme", models.RoleOperator)
		f.create(t, "acme.admin", "acme", models.RoleAdmin)
		for range 3 {
			_, _, _ = f.a.NewSession(f.ctx, "acme.op")
		}
		f.clock.Advance(30 * time.Minute)
		live, _, _ := f.a.NewSession(f.ctx, "acme.admin")
		f.clock.Advance(30 * time.Minute)
		n, err := f.a.Purge(f.ctx)
		if err != nil || n != 3 {
			t.Fatalf("Purge = %d, %v; want 3", n, err)
		}
		if _, _, err := f.a.Session(f.ctx, live); err != nil {
			t.Fatal(err)
		}
		// NewSession clears the user's own expired sessions too.
		f.clock.Advance(time.Hour)
		if _, _, err := f.a.NewSession(f.ctx, "acme.admin"); err != nil {
			t.Fatal(err)
		}
		if n := count(t, f, "auth_sessions"); n != 1 {
			t.Fatalf("%d sessions, want 1", n)
		}
	})
}

// count returns the number of rows in table.
func count(t *testing.T, f fixture, table string) int64 {
	t.Helper()
	var n int64
	if err := f.a.db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

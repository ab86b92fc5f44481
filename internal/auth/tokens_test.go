package auth

import (
	"regexp"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		f.create(t, "acme.op", "acme", models.RoleOperator)
		f.create(t, "rival.op", "rival", models.RoleOperator)
		secret, tok, err := f.a.NewToken(f.ctx, "acme.op", "weighbridge", 0)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^plb_[A-Za-z0-9_-]{43}$`).MatchString(secret) {
			t.Fatalf("secret %q", secret)
		}
		now := f.clock.Now().UTC().Truncate(time.Microsecond)
		if tok.UserID != "acme.op" || tok.Name != "weighbridge" || !tok.CreatedAt.Equal(now) ||
			tok.ExpiresAt != nil || tok.LastUsedAt != nil || tok.Revoked || len(tok.ID) != 16 {
			t.Fatalf("token %+v", tok)
		}
		f.clock.Advance(time.Second) // Tokens lists newest first
		short, _, _ := f.a.NewToken(f.ctx, "acme.op", "one day", 24*time.Hour)
		f.clock.Advance(-time.Second)
		rivalSecret, rival, _ := f.a.NewToken(f.ctx, "rival.op", "theirs", 0)

		// Use: LastUsedAt is written on first use, then at most once a minute.
		u, got, err := f.a.TokenUser(f.ctx, secret)
		if err != nil || u.ID != "acme.op" || got.ID != tok.ID || got.LastUsedAt == nil || !got.LastUsedAt.Equal(now) {
			t.Fatalf("TokenUser = %+v, %+v, %v", u, got, err)
		}
		f.clock.Advance(30 * time.Second)
		if _, got, _ = f.a.TokenUser(f.ctx, secret); !got.LastUsedAt.Equal(now) {
			t.Fatalf("LastUsedAt moved after 30s: %v", got.LastUsedAt)
		}
		f.clock.Advance(30 * time.Second)
		if _, got, _ = f.a.TokenUser(f.ctx, secret); !got.LastUsedAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("LastUsedAt not moved after 1m: %v", got.LastUsedAt)
		}

		list, err := f.a.Tokens(f.ctx, "acme")
		if err != nil || len(list) != 2 || list[1].ID != tok.ID || !list[1].LastUsedAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("Tokens(acme) = %+v, %v", list, err)
		}
		if list[0].ExpiresAt == nil || !list[0].ExpiresAt.Equal(now.Add(24*time.Hour+time.Second)) {
			t.Fatalf("expiry %v", list[0].ExpiresAt)
		}

		// Revoking: only the organization's own tokens.
		wantKind(t, f.a.RevokeToken(f.ctx, "acme", rival.ID), models.ErrNotFound)
		wantKind(t, f.a.RevokeToken(f.ctx, "acme", "nope"), models.ErrNotFound)
		wantKind(t, f.a.RevokeToken(f.ctx, "acme\xff", tok.ID), models.ErrNotFound)
		if list, err := f.a.Tokens(f.ctx, "\x00"); err != nil || len(list) != 0 {
			t.Fatalf("Tokens(NUL) = %v, %v", list, err)
		}
		if _, _, err := f.a.TokenUser(f.ctx, rivalSecret); err != nil {
			t.Fatalf("rival token after refused revoke: %v", err)
		}
		if err := f.a.RevokeToken(f.ctx, "acme", tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.a.RevokeToken(f.ctx, "acme", tok.ID); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		_, _, err = f.a.TokenUser(f.ctx, secret)
		wantKind(t, err, models.ErrForbidden)
		if list, _ := f.a.Tokens(f.ctx, "acme"); !list[1].Revoked {
			t.Fatal("revoked token not listed as revoked")
		}

		// Expiry.
		if _, _, err := f.a.TokenUser(f.ctx, short); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(24 * time.Hour)
		_, _, err = f.a.TokenUser(f.ctx, short)
		wantKind(t, err, models.ErrForbidden)

		for _, bad := range []string{"", "plb_", "plb_nonsense", secret[4:], tok.ID} {
			_, _, err := f.a.TokenUser(f.ctx, bad)
			wantKind(t, err, models.ErrForbidden)
		}
		for _, tc := range []struct {
			user, name string
			ttl        time.Duration
			kind       error
		}{
			{"acme.op", "", 0, models.ErrInvalid},
			{"acme.op", "line\nbreak", 0, models.ErrInvalid},
			{"acme.op", "x", -time.Second, models.ErrInvalid},
			{"nobody", "x", 0, models.ErrNotFound},
		} {
			_, _, err := f.a.NewToken(f.ctx, tc.user, tc.name, tc.ttl)
			wantKind(t, err, tc.kind)
		}
	})
}

func TestTokensOfDisabledUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		f.create(t, "acme.op", "acme", models.RoleOperator)
		secret, _, _ := f.a.NewToken(f.ctx, "acme.op", "script", 0)
		if err := f.a.SetDisabled(f.ctx, "acme.op", true); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.a.TokenUser(f.ctx, secret)
		wantKind(t, err, models.ErrForbidden)
		_, _, err = f.a.NewToken(f.ctx, "acme.op", "another", 0)
		wantKind(t, err, models.ErrForbidden)
		// Enabling the user again does not bring the token back.
		if err := f.a.SetDisabled(f.ctx, "acme.op", false); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.a.TokenUser(f.ctx, secret)
		wantKind(t, err, models.ErrForbidden)
		if list, _ := f.a.Tokens(f.ctx, "acme"); len(list) != 1 || !list[0].Revoked {
			t.Fatalf("tokens %+v", list)
		}
	})
}

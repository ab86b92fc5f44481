package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

// TestTokenCacheNeverOutlivesAChange checks that the token cache saves
// queries but never lets a token through that the database would refuse:
// revoking, disabling the user, a role change and expiry all take effect at
// once in this process.
func TestTokenCacheNeverOutlivesAChange(t *testing.T) {
	db := dbtest.Open(t, "sqlite")
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	a, err := Open(t.Context(), db, Options{HashParams: &CheapParams, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := a.CreateUser(ctx, models.User{ID: "acme.op", OrgID: "acme", Name: "Op", Role: models.RoleOperator}, "long-enough-1"); err != nil {
		t.Fatal(err)
	}
	secret, tok, err := a.NewToken(ctx, "acme.op", "erp", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	check := func(want models.Role) {
		t.Helper()
		u, _, err := a.TokenUser(ctx, secret)
		if err != nil || u.Role != want {
			t.Fatalf("TokenUser = %v %v, want role %s", u.Role, err, want)
		}
	}
	check(models.RoleOperator)
	if _, ok := a.tokens.get(sha256Hex(secret), now); !ok {
		t.Fatal("a checked token is not cached")
	}
	// A role change shows at once.
	if err := a.SetRole(ctx, "acme.op", models.RoleViewer); err != nil {
		t.Fatal(err)
	}
	check(models.RoleViewer)
	// Expiry is checked on cached tokens too.
	now = now.Add(time.Hour)
	if _, _, err := a.TokenUser(ctx, secret); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("expired cached token: %v", err)
	}
	now = now.Add(-time.Hour)
	check(models.RoleViewer)
	// Revocation shows at once.
	if err := a.RevokeToken(ctx, "acme", tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.TokenUser(ctx, secret); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("revoked token: %v", err)
	}
	// Disabling the user shows at once.
	secret2, _, err := a.NewToken(ctx, "acme.op", "erp 2", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.TokenUser(ctx, secret2); err != nil {
		t.Fatal(err)
	}
	if err := a.SetDisabled(ctx, "acme.op", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.TokenUser(ctx, secret2); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("token of a disabled user: %v", err)
	}
}

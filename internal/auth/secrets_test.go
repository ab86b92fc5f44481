package auth

import (
	"fmt"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

// TestNoSecretsStored reads every row of every auth_ table back as text
// and checks that no password, session token, CSRF token or API token
// secret appears in it.
func TestNoSecretsStored(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		f.create(t, "acme.op", "acme", models.RoleOperator)
		if err := f.a.SetPassword(f.ctx, "acme.op", "second secret pw"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Authenticate(f.ctx, "acme.op", "second secret pw", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		token, s, _ := f.a.NewSession(f.ctx, "acme.op")
		secret, _, _ := f.a.NewToken(f.ctx, "acme.op", "script", 0)
		if _, _, err := f.a.TokenUser(f.ctx, secret); err != nil {
			t.Fatal(err)
		}

		var dump strings.Builder
		for _, table := range []string{"auth_users", "auth_sessions", "auth_tokens"} {
			var rows []map[string]any
			if err := f.a.db.Table(table).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				t.Fatalf("%s is empty", table)
			}
			for _, r := range rows {
				for col, v := range r {
					fmt.Fprintf(&dump, "%s.%s=%s\n", table, col, v)
				}
			}
		}
		text := dump.String()
		for what, s := range map[string]string{
			"first password": testPassword, "second password": "second secret pw",
			"session token": token, "CSRF token": s.CSRF,
			"API token": secret, "API token body": strings.TrimPrefix(secret, TokenPrefix),
		} {
			if strings.Contains(text, s) {
				t.Errorf("the database holds the %s in clear:\n%s", what, text)
			}
		}
		if !strings.Contains(text, "$argon2id$v=19$") || !strings.Contains(text, sha256Hex(token)) || !strings.Contains(text, sha256Hex(secret)) {
			t.Errorf("expected hashes missing:\n%s", text)
		}
	})
}

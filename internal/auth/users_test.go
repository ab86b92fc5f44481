package auth

import (
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

func TestCreateUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		ok := models.User{ID: "fuchun-cement.operator", OrgID: "fuchun-cement", Name: "Li Wei", Role: models.RoleOperator}
		u, err := f.a.CreateUser(f.ctx, ok, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		want := User{ID: ok.ID, OrgID: ok.OrgID, Name: ok.Name, Role: ok.Role, CreatedAt: f.clock.Now().UTC().Truncate(1000)}
		if u != want {
			t.Fatalf("created %+v, want %+v", u, want)
		}
		if got, err := f.a.User(f.ctx, ok.ID); err != nil || got != want {
			t.Fatalf("User = %+v, %v; want %+v", got, err, want)
		}
		if u.Model() != ok {
			t.Fatalf("Model() = %+v", u.Model())
		}
		with := func(mod func(*models.User)) models.User { u := ok; mod(&u); return u }
		for _, tc := range []struct {
			name     string
			user     models.User
			password string
			kind     error
			field    string
		}{
			{"duplicate", ok, testPassword, models.ErrConflict, "id"},
			{"no id", with(func(u *models.User) { u.ID = "" }), testPassword, models.ErrInvalid, "id"},
			{"bad id", with(func(u *models.User) { u.ID = "a b" }), testPassword, models.ErrInvalid, "id"},
			{"no org", with(func(u *models.User) { u.ID, u.OrgID = "x.y", "" }), testPassword, models.ErrInvalid, "org_id"},
			{"bad role", with(func(u *models.User) { u.ID, u.Role = "x.y", "root" }), testPassword, models.ErrInvalid, "role"},
			{"no name", with(func(u *models.User) { u.ID, u.Name = "x.y", "" }), testPassword, models.ErrInvalid, "name"},
			{"short password", with(func(u *models.User) { u.ID = "x.y" }), "1234567", models.ErrInvalid, "password"},
			{"long password", with(func(u *models.User) { u.ID = "x.y" }), strings.Repeat("p", 129), models.ErrInvalid, "password"},
			{"password is login", with(func(u *models.User) { u.ID = "Site-Admin" }), "site-admin", models.ErrInvalid, "password"},
			{"invalid utf-8", with(func(u *models.User) { u.ID = "x.y" }), "pass\xffword", models.ErrInvalid, "password"},
			{"8 runes ok", with(func(u *models.User) { u.ID = "x.y" }), "密码密码密码密码", nil, ""},
			{"128 ok", with(func(u *models.User) { u.ID = "x.z" }), strings.Repeat("p", 128), nil, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.a.CreateUser(f.ctx, tc.user, tc.password)
				wantKind(t, err, tc.kind)
				if err != nil && err.(*models.Error).Field != tc.field {
					t.Fatalf("field of %v, want %q", err, tc.field)
				}
			})
		}
		for _, id := range []string{"nobody", "", "bad\xff", "nul\x00"} {
			_, err = f.a.User(f.ctx, id)
			wantKind(t, err, models.ErrNotFound)
			wantKind(t, f.a.SetRole(f.ctx, id, models.RoleViewer), models.ErrNotFound)
		}
		if users, err := f.a.Users(f.ctx, "bad\xff"); err != nil || len(users) != 0 {
			t.Fatalf("Users(invalid) = %v, %v", users, err)
		}
	})
}

func TestUsersAndUpdates(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		f.create(t, "b.viewer", "b", models.RoleViewer)
		f.create(t, "a.op", "a", models.RoleOperator)
		f.create(t, "a.admin", "a", models.RoleAdmin)
		users, err := f.a.Users(f.ctx, "a")
		if err != nil || len(users) != 2 || users[0].ID != "a.admin" || users[1].ID != "a.op" {
			t.Fatalf("Users(a) = %+v, %v", users, err)
		}
		if users, err := f.a.Users(f.ctx, "none"); err != nil || users == nil || len(users) != 0 {
			t.Fatalf("Users(none) = %#v, %v; want an empty list", users, err)
		}

		if err := f.a.SetRole(f.ctx, "a.op", models.RoleInspector); err != nil {
			t.Fatal(err)
		}
		if u, _ := f.a.User(f.ctx, "a.op"); u.Role != models.RoleInspector {
			t.Fatalf("role after SetRole = %q", u.Role)
		}
		wantKind(t, f.a.SetRole(f.ctx, "a.op", "root"), models.ErrInvalid)
		wantKind(t, f.a.SetRole(f.ctx, "nobody", models.RoleViewer), models.ErrNotFound)
		wantKind(t, f.a.SetDisabled(f.ctx, "nobody", true), models.ErrNotFound)
		wantKind(t, f.a.SetPassword(f.ctx, "nobody", "another password"), models.ErrNotFound)
		wantKind(t, f.a.SetPassword(f.ctx, "a.op", "short"), models.ErrInvalid)

		for _, d := range []bool{true, true, false} {
			if err := f.a.SetDisabled(f.ctx, "a.op", d); err != nil {
				t.Fatal(err)
			}
			if u, _ := f.a.User(f.ctx, "a.op"); u.Disabled != d {
				t.Fatalf("Disabled = %v, want %v", u.Disabled, d)
			}
		}

		if err := f.a.SetPassword(f.ctx, "a.op", "a new password"); err != nil {
			t.Fatal(err)
		}
		wantKind(t, errOnly(f.a.Authenticate(f.ctx, "a.op", testPassword, "192.0.2.1")), models.ErrForbidden)
		if _, err := f.a.Authenticate(f.ctx, "a.op", "a new password", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSeedDemo(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		users := []models.User{
			{ID: "demo.admin", OrgID: "demo", Name: "Demo Admin", Role: models.RoleAdmin},
			{ID: "demo.viewer", OrgID: "demo", Name: "Demo Viewer", Role: models.RoleViewer},
		}
		f.create(t, "demo.viewer", "demo", models.RoleOperator) // exists already: left alone
		for i, want := range []int{1, 0} {
			n, err := f.a.SeedDemo(f.ctx, users, "plumbline-demo")
			if err != nil || n != want {
				t.Fatalf("run %d: SeedDemo = %d, %v; want %d", i, n, err, want)
			}
		}
		if _, err := f.a.Authenticate(f.ctx, "demo.admin", "plumbline-demo", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if u, _ := f.a.User(f.ctx, "demo.viewer"); u.Role != models.RoleOperator {
			t.Fatalf("existing user changed: %+v", u)
		}
		bad := append(users, models.User{ID: "demo.x", OrgID: "demo", Name: "X", Role: "boss"})
		_, err := f.a.SeedDemo(f.ctx, bad, "plumbline-demo")
		wantKind(t, err, models.ErrInvalid)
		if !strings.Contains(err.Error(), "users[2].role") {
			t.Fatalf("error %v does not name users[2].role", err)
		}
	})
}

// Concurrent creations of one ID: exactly one wins, the rest conflict.
func TestCreateUserRace(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := open(t, dialect)
		u := models.User{ID: "acme.op", OrgID: "acme", Name: "Op", Role: models.RoleOperator}
		errs := make(chan error, 8)
		for range cap(errs) {
			go func() { errs <- errOnly(f.a.CreateUser(f.ctx, u, testPassword)) }()
		}
		won := 0
		for range cap(errs) {
			err := <-errs
			if err == nil {
				won++
				continue
			}
			wantKind(t, err, models.ErrConflict)
		}
		if won != 1 {
			t.Fatalf("%d creations succeeded, want 1", won)
		}
	})
}

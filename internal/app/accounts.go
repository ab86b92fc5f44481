package app

import (
	"context"
	"strings"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/models"
)

// Accounts: an organization's admins manage its users. Accounts are off
// the ledger (the ledger records each transaction's user and role, vouched
// for by the organization's signature), so these call internal/auth.

// NewUserRequest creates an account in the admin's organization. The
// login becomes "<org>.<name>".
type NewUserRequest struct {
	Name     string      `json:"name"`     // short login name, e.g. "wang.fang"
	FullName string      `json:"fullname"` // display name
	Role     models.Role `json:"role"`
	Password string      `json:"password"` // initial password, 8–128 characters
}

// CreateUser creates an account in admin's organization (off the ledger).
func (a *App) CreateUser(ctx context.Context, admin *auth.User, r NewUserRequest) (auth.User, error) {
	name := strings.TrimSpace(r.Name)
	if name == "" {
		return auth.User{}, models.Invalid("name", "is required, e.g. wang.fang")
	}
	id := admin.OrgID + "." + strings.ToLower(name)
	if err := models.ValidateID("name", id); err != nil {
		return auth.User{}, models.Invalid("name", "%q must be letters, digits, '.', '_' or '-' (the login becomes %s.<name>, at most 64 characters)", name, admin.OrgID)
	}
	if !r.Role.Valid() {
		return auth.User{}, models.Invalid("role", "%q is not one of admin, operator, inspector, viewer", r.Role)
	}
	u, err := a.opts.Accounts.CreateUser(ctx, models.User{ID: id, OrgID: admin.OrgID, Name: strings.TrimSpace(r.FullName), Role: r.Role}, r.Password)
	// A login that is taken is the form's name field.
	return u, models.RenameField(err, func(f string) string {
		if f == "id" {
			return "name"
		}
		return f
	})
}

// UserChange is a change to one account: a new role, disabling or enabling,
// or a new password. Empty fields are left alone.
type UserChange struct {
	Role     models.Role `json:"role,omitempty"`
	Disabled *bool       `json:"disabled,omitempty"`
	Password string      `json:"password,omitempty"`
}

// ChangeUser applies a change to a user of the admin's organization,
// refusing to lock the organization out of its own administration.
func (a *App) ChangeUser(ctx context.Context, admin *auth.User, id string, ch UserChange) (auth.User, error) {
	u, err := a.opts.Accounts.User(ctx, id)
	if err != nil || u.OrgID != admin.OrgID {
		return auth.User{}, models.NotFound("user", "no user %q in %s", id, admin.OrgID)
	}
	losesAdmin := (ch.Role != "" && ch.Role != models.RoleAdmin) || (ch.Disabled != nil && *ch.Disabled)
	if u.Role == models.RoleAdmin && losesAdmin {
		if u.ID == admin.ID {
			return auth.User{}, models.Conflict("role", "you cannot remove your own admin rights; ask another admin")
		}
	}
	if ch.Role != "" {
		if !ch.Role.Valid() {
			return auth.User{}, models.Invalid("role", "%q is not one of admin, operator, inspector, viewer", ch.Role)
		}
		if err := a.opts.Accounts.SetRole(ctx, id, ch.Role); err != nil {
			return auth.User{}, err
		}
	}
	if ch.Disabled != nil {
		if err := a.opts.Accounts.SetDisabled(ctx, id, *ch.Disabled); err != nil {
			return auth.User{}, err
		}
	}
	if ch.Password != "" {
		if err := a.opts.Accounts.SetPassword(ctx, id, ch.Password); err != nil {
			return auth.User{}, err
		}
	}
	return a.opts.Accounts.User(ctx, id)
}

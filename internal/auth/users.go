package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plumbline/plumbline/models"
)

// User is an account as the rest of the app sees it (never its password).
type User struct {
	ID        string      // the login, e.g. "fuchun-cement.operator"
	OrgID     string      // the organization the user acts for
	Name      string      // display name
	Role      models.Role // role inside the organization
	Disabled  bool        // a disabled user can neither log in nor use tokens
	CreatedAt time.Time   // UTC
}

// Model returns the user as the ledger names it.
func (u User) Model() models.User {
	return models.User{ID: u.ID, OrgID: u.OrgID, Name: u.Name, Role: u.Role}
}

func (r *userRow) user() User {
	return User{ID: r.ID, OrgID: r.OrgID, Name: r.Name, Role: models.Role(r.Role), Disabled: r.Disabled, CreatedAt: r.CreatedAt.UTC()}
}

// Password length limits, in characters.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// ValidatePassword checks a new password for the user whose login is login:
// 8–128 characters of valid UTF-8, and not the login itself.
func ValidatePassword(login, password string) error {
	if !utf8.ValidString(password) {
		return models.Invalid("password", "is not valid text")
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return models.Invalid("password", "must be at least %d characters", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return models.Invalid("password", "must be at most %d characters", MaxPasswordLen)
	}
	if strings.EqualFold(strings.TrimSpace(password), login) {
		return models.Invalid("password", "must not be the login")
	}
	return nil
}

// CreateUser adds an account with the given password. It checks u and the
// password (ErrInvalid) and fails with ErrConflict when the ID is taken.
func (a *Accounts) CreateUser(ctx context.Context, u models.User, password string) (User, error) {
	if err := u.Validate(); err != nil {
		return User{}, err
	}
	if err := ValidatePassword(u.ID, password); err != nil {
		return User{}, err
	}
	hash, err := a.hash(password)
	if err != nil {
		return User{}, err
	}
	now := a.clock()
	row := userRow{ID: u.ID, OrgID: u.OrgID, Name: u.Name, Role: string(u.Role), PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	res := a.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return User{}, fmt.Errorf("create user %s: %w", u.ID, dbErr(res.Error))
	}
	if res.RowsAffected == 0 {
		return User{}, models.Conflict("id", "user %q already exists", u.ID)
	}
	return row.user(), nil
}

// hash hashes password with the current parameters.
func (a *Accounts) hash(password string) (string, error) {
	a.hashes.Add(1)
	return hashPassword(password, a.params)
}

// userRow reads one account row; ErrNotFound when absent.
// An ID that no user could have is not looked up: PostgreSQL would reject
// some (invalid UTF-8, NUL) with an error rather than find nothing.
func (a *Accounts) userRow(ctx context.Context, db *gorm.DB, id string) (userRow, error) {
	if models.ValidateID("id", id) != nil {
		return userRow{}, userNotFound(id)
	}
	var rows []userRow
	if err := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return userRow{}, fmt.Errorf("read user %s: %w", id, dbErr(err))
	}
	if len(rows) == 0 {
		return userRow{}, userNotFound(id)
	}
	return rows[0], nil
}

// User returns the account with the given ID (ErrNotFound when absent).
func (a *Accounts) User(ctx context.Context, id string) (User, error) {
	r, err := a.userRow(ctx, a.db, id)
	if err != nil {
		return User{}, err
	}
	return r.user(), nil
}

// Users returns the accounts of an organization, by ID; none is not an error.
func (a *Accounts) Users(ctx context.Context, org string) ([]User, error) {
	var rows []userRow
	if models.ValidateID("org", org) != nil {
		return []User{}, nil
	}
	if err := a.db.WithContext(ctx).Where("org_id = ?", org).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list users of %s: %w", org, dbErr(err))
	}
	users := make([]User, len(rows))
	for i := range rows {
		users[i] = rows[i].user()
	}
	return users, nil
}

// update sets columns of one user; ErrNotFound when the user is absent.
func (a *Accounts) update(db *gorm.DB, id string, cols map[string]any) error {
	if models.ValidateID("id", id) != nil {
		return userNotFound(id)
	}
	cols["updated_at"] = a.clock()
	res := db.Model(&userRow{}).Where("id = ?", id).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("update user %s: %w", id, dbErr(res.Error))
	}
	if res.RowsAffected == 0 {
		return userNotFound(id)
	}
	a.tokens.clear() // a role or state change must reach cached API tokens
	return nil
}

// SetRole changes a user's role. Sessions and tokens see it at once, since
// they read the user on every request.
func (a *Accounts) SetRole(ctx context.Context, id string, r models.Role) error {
	if !r.Valid() {
		return models.Invalid("role", "%q is not one of admin, operator, inspector, viewer", r)
	}
	return a.update(a.db.WithContext(ctx), id, map[string]any{"role": string(r)})
}

// SetDisabled disables or re-enables a user. Disabling ends all of the
// user's sessions and revokes all of their API tokens for good: enabling
// the user again does not bring old tokens back.
func (a *Accounts) SetDisabled(ctx context.Context, id string, disabled bool) error {
	// Forget cached tokens again after the commit, in case a concurrent
	// check cached the user as it was before it.
	defer a.tokens.clear()
	return a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := a.update(tx, id, map[string]any{"disabled": disabled}); err != nil || !disabled {
			return err
		}
		if err := tx.Where("user_id = ?", id).Delete(&sessionRow{}).Error; err != nil {
			return fmt.Errorf("end sessions of %s: %w", id, dbErr(err))
		}
		if err := tx.Model(&tokenRow{}).Where("user_id = ?", id).Update("revoked", true).Error; err != nil {
			return fmt.Errorf("revoke tokens of %s: %w", id, dbErr(err))
		}
		return nil
	})
}

// SetPassword replaces a user's password and ends all of their sessions.
// A user changing their own password should use ChangePassword to stay
// logged in. API tokens are separate credentials and keep working.
func (a *Accounts) SetPassword(ctx context.Context, id, password string) error {
	return a.ChangePassword(ctx, id, password, "")
}

// ChangePassword replaces a user's password and ends every session of the
// user except the one whose token is keepToken (if any). It does not check
// the old password: callers confirm it with Authenticate first.
func (a *Accounts) ChangePassword(ctx context.Context, id, password, keepToken string) error {
	if err := ValidatePassword(id, password); err != nil {
		return err
	}
	hash, err := a.hash(password)
	if err != nil {
		return err
	}
	return a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := a.update(tx, id, map[string]any{"password_hash": hash}); err != nil {
			return err
		}
		q := tx.Where("user_id = ?", id)
		if keepToken != "" {
			q = q.Where("id <> ?", sha256Hex(keepToken))
		}
		if err := q.Delete(&sessionRow{}).Error; err != nil {
			return fmt.Errorf("end sessions of %s: %w", id, dbErr(err))
		}
		return nil
	})
}

// SeedDemo creates those of users that do not exist yet, all with the same
// password, and returns how many it created. Existing users are left as
// they are, so running it again is harmless.
func (a *Accounts) SeedDemo(ctx context.Context, users []models.User, password string) (created int, err error) {
	for i, u := range users {
		if _, err := a.User(ctx, u.ID); err == nil {
			continue
		} else if !errors.Is(err, models.ErrNotFound) {
			return created, err
		}
		_, err := a.CreateUser(ctx, u, password)
		switch {
		case err == nil:
			created++
		case errors.Is(err, models.ErrConflict): // created meanwhile by another process
		default:
			return created, fmt.Errorf("seed demo user %s: %w", u.ID, models.Prefix(fmt.Sprintf("users[%d]", i), err))
		}
	}
	return created, nil
}

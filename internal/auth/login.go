package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// errWrongLogin is the one answer for an unknown login and a wrong
// password, so the answer does not tell which logins exist.
func errWrongLogin() error { return models.Forbidden("wrong login or password") }

// Authenticate checks a login and password from the client at clientIP
// and returns the user.
//
// It fails with an ErrForbidden *models.Error saying "wrong login or
// password" both for an unknown login and for a wrong password, after the
// same argon2id work, so neither the answer nor its timing tells which
// logins exist. A disabled user with the right password is told the
// account is disabled. Too many recent failures for the login from
// clientIP, or from clientIP overall, give a *RateLimitError (wrapping
// ErrRateLimited) without checking the password; a success clears the
// login's count for that client. When the stored hash was made with other
// parameters than the current ones, a success re-hashes the password.
func (a *Accounts) Authenticate(ctx context.Context, login, password, clientIP string) (User, error) {
	login = strings.TrimSpace(login)
	logged := truncate(login, 100) // attacker-chosen text: bound what reaches the logs
	att, wait := a.limiter.begin(limiterKeys(login, clientIP), a.clock())
	if wait > 0 {
		a.log.WarnContext(ctx, "login rate-limited", "login", logged, "ip", clientIP, "retry_after", wait)
		return User{}, &RateLimitError{RetryAfter: wait}
	}
	row, err := a.userRow(ctx, a.db, login)
	known := err == nil
	hash := row.PasswordHash
	switch {
	case errors.Is(err, models.ErrNotFound):
		hash = a.dummy
	case err != nil:
		a.limiter.cancel(att)
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	a.hashes.Add(1)
	ok, err := verifyPassword(password, hash)
	if err != nil {
		a.limiter.cancel(att)
		a.log.ErrorContext(ctx, "stored password hash unreadable", "user", logged, "err", err)
		return User{}, fmt.Errorf("authenticate %s: %w", login, err)
	}
	if !known || !ok {
		a.log.WarnContext(ctx, "login failed", "login", logged, "ip", clientIP, "known", known)
		return User{}, errWrongLogin()
	}
	if row.Disabled {
		a.log.WarnContext(ctx, "login of disabled user", "login", logged, "ip", clientIP)
		return User{}, models.Forbidden("account %q is disabled; ask your organization's admin", login)
	}
	a.limiter.succeeded(att)
	a.rehash(ctx, row, password)
	return row.user(), nil
}

// rehash stores a new hash of password when row's hash was made with other
// parameters than the current ones. Failure only costs the upgrade, so it
// is logged, not returned.
func (a *Accounts) rehash(ctx context.Context, row userRow, password string) {
	p, _, _, err := parseHash(row.PasswordHash)
	if err != nil || p == a.params {
		return
	}
	hash, err := a.hash(password)
	if err == nil {
		// Only if the password was not changed meanwhile.
		err = a.db.WithContext(ctx).Model(&userRow{}).
			Where("id = ? AND password_hash = ?", row.ID, row.PasswordHash).
			Update("password_hash", hash).Error
	}
	if err != nil {
		a.log.WarnContext(ctx, "re-hash password", "user", row.ID, "err", dbErr(err))
	}
}

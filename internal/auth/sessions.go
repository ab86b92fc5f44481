package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/plumbline/plumbline/models"
)

// Session is a browser session. The token that names it lives only in the
// user's cookie; the database keeps its SHA-256.
type Session struct {
	ID        string // hex SHA-256 of the token, never the token
	UserID    string
	CSRF      string // the session's anti-CSRF token, for forms and headers
	CreatedAt time.Time
	ExpiresAt time.Time // sessions do not slide: a login lasts SessionTTL
}

// randomToken returns 32 random bytes in unpadded base64url (43 characters).
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// sha256Hex returns the hex SHA-256 of s.
func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// csrfFor derives a session's CSRF token from its secret token. It is as
// unpredictable as the token, needs no storage, and cannot be computed
// from the stored session ID nor reveal the token.
func csrfFor(token string) string {
	h := sha256.Sum256([]byte("plumbline csrf v1\x00" + token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// CSRFEqual reports whether two CSRF tokens are equal, in time that does
// not depend on where they differ. Empty tokens never match.
func CSRFEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// errSessionExpired is the one answer for an unknown, expired or
// disabled user's session.
func errSessionExpired() error { return models.Forbidden("session expired; log in again") }

// NewSession starts a session for a user (after Authenticate) and returns
// its secret token, for the cookie, with the session. A disabled user gets
// ErrForbidden, an unknown one ErrNotFound. The user's expired sessions are
// deleted on the way.
func (a *Accounts) NewSession(ctx context.Context, userID string) (token string, s Session, err error) {
	u, err := a.userRow(ctx, a.db, userID)
	if err != nil {
		return "", Session{}, err
	}
	if u.Disabled {
		return "", Session{}, models.Forbidden("account %q is disabled", userID)
	}
	now := a.clock()
	token = randomToken()
	row := sessionRow{ID: sha256Hex(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(a.ttl)}
	db := a.db.WithContext(ctx)
	if err := db.Where("user_id = ? AND expires_at <= ?", userID, now).Delete(&sessionRow{}).Error; err != nil {
		return "", Session{}, fmt.Errorf("purge sessions of %s: %w", userID, dbErr(err))
	}
	if err := db.Create(&row).Error; err != nil {
		return "", Session{}, fmt.Errorf("create session for %s: %w", userID, dbErr(err))
	}
	return token, row.session(token), nil
}

func (r *sessionRow) session(token string) Session {
	return Session{ID: r.ID, UserID: r.UserID, CSRF: csrfFor(token), CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
}

// Session returns the live session named by token and its user. An
// unknown or expired token, or a user who is now disabled or gone, gives
// an ErrForbidden *models.Error saying "session expired; log in again";
// an expired session is deleted.
func (a *Accounts) Session(ctx context.Context, token string) (Session, User, error) {
	if token == "" {
		return Session{}, User{}, errSessionExpired()
	}
	id := sha256Hex(token)
	var rows []sessionRow
	if err := a.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return Session{}, User{}, fmt.Errorf("read session: %w", dbErr(err))
	}
	if len(rows) == 0 {
		return Session{}, User{}, errSessionExpired()
	}
	s := rows[0]
	if !a.clock().Before(s.ExpiresAt) {
		if err := a.deleteSession(ctx, id); err != nil {
			return Session{}, User{}, err
		}
		return Session{}, User{}, errSessionExpired()
	}
	u, err := a.userRow(ctx, a.db, s.UserID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return Session{}, User{}, errSessionExpired()
	case err != nil:
		return Session{}, User{}, err
	case u.Disabled:
		return Session{}, User{}, errSessionExpired()
	}
	return s.session(token), u.user(), nil
}

// EndSession ends (logs out) the session named by token. Ending an
// unknown or already ended session is not an error.
func (a *Accounts) EndSession(ctx context.Context, token string) error {
	return a.deleteSession(ctx, sha256Hex(token))
}

func (a *Accounts) deleteSession(ctx context.Context, id string) error {
	if err := a.db.WithContext(ctx).Where("id = ?", id).Delete(&sessionRow{}).Error; err != nil {
		return fmt.Errorf("end session: %w", dbErr(err))
	}
	return nil
}

// Purge deletes every expired session and returns how many it deleted.
// Session deletes expired sessions it meets; call Purge now and then (say
// hourly) for the ones nobody comes back to.
func (a *Accounts) Purge(ctx context.Context) (int64, error) {
	res := a.db.WithContext(ctx).Where("expires_at <= ?", a.clock()).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("purge sessions: %w", dbErr(res.Error))
	}
	return res.RowsAffected, nil
}

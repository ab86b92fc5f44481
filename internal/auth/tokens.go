package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plumbline/plumbline/models"
)

// Token is an API token: a long-lived credential a program sends instead
// of a password. Its secret is shown once, at creation; the database keeps
// only its SHA-256.
type Token struct {
	ID         string // public identifier, for listing and revoking
	UserID     string // the user the token acts as
	Name       string // what it is for, e.g. "weighbridge integration"
	CreatedAt  time.Time
	ExpiresAt  *time.Time // nil: never expires
	LastUsedAt *time.Time // nil: never used; updated at most once a minute
	Revoked    bool
}

// TokenPrefix starts every API token secret, so leaked secrets are easy to
// recognise (and to scan for).
const TokenPrefix = "plb_"

// lastUsedEvery is how stale a token's LastUsedAt may get before a use
// writes it again, sparing the database a write per request.
const lastUsedEvery = time.Minute

func (r *tokenRow) token() Token {
	return Token{ID: r.ID, UserID: r.UserID, Name: r.Name, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: utc(r.ExpiresAt), LastUsedAt: utc(r.LastUsedAt), Revoked: r.Revoked}
}

// NewToken creates an API token for a user and returns its secret
// ("plb_" + base64url of 32 random bytes), which is never shown again.
// ttl 0 means the token never expires. An unknown user gives ErrNotFound,
// a disabled one ErrForbidden.
func (a *Accounts) NewToken(ctx context.Context, userID, name string, ttl time.Duration) (secret string, t Token, err error) {
	if err := models.RequireLine("name", name, 100); err != nil {
		return "", Token{}, err
	}
	if ttl < 0 {
		return "", Token{}, models.Invalid("ttl", "must not be negative")
	}
	u, err := a.userRow(ctx, a.db, userID)
	if err != nil {
		return "", Token{}, err
	}
	if u.Disabled {
		return "", Token{}, models.Forbidden("account %q is disabled", userID)
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	secret = TokenPrefix + randomToken()
	now := a.clock()
	row := tokenRow{ID: hex.EncodeToString(id[:]), SecretHash: sha256Hex(secret), UserID: userID, Name: name, CreatedAt: now}
	if ttl > 0 {
		exp := now.Add(ttl)
		row.ExpiresAt = &exp
	}
	if err := a.db.WithContext(ctx).Create(&row).Error; err != nil {
		return "", Token{}, fmt.Errorf("create token for %s: %w", userID, dbErr(err))
	}
	return secret, row.token(), nil
}

// Tokens returns the API tokens of an organization's users, revoked and
// expired ones included, newest first.
func (a *Accounts) Tokens(ctx context.Context, org string) ([]Token, error) {
	var rows []tokenRow
	if models.ValidateID("org", org) != nil {
		return []Token{}, nil
	}
	err := a.db.WithContext(ctx).
		Where("user_id IN (?)", a.db.Model(&userRow{}).Select("id").Where("org_id = ?", org)).
		Order("created_at DESC, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list tokens of %s: %w", org, dbErr(err))
	}
	tokens := make([]Token, len(rows))
	for i := range rows {
		tokens[i] = rows[i].token()
	}
	return tokens, nil
}

// RevokeToken revokes the token id of a user in org. A token that does
// not exist or belongs to another organization's user gives ErrNotFound.
// Revoking a revoked token again is not an error.
func (a *Accounts) RevokeToken(ctx context.Context, org, id string) error {
	if models.ValidateID("org", org) != nil || models.ValidateID("id", id) != nil {
		return models.NotFound("id", "token %q does not exist", id)
	}
	res := a.db.WithContext(ctx).Model(&tokenRow{}).
		Where("id = ? AND user_id IN (?)", id, a.db.Model(&userRow{}).Select("id").Where("org_id = ?", org)).
		Update("revoked", true)
	if res.Error != nil {
		return fmt.Errorf("revoke token %s: %w", id, dbErr(res.Error))
	}
	if res.RowsAffected == 0 {
		return models.NotFound("id", "token %q does not exist", id)
	}
	a.tokens.clear()
	return nil
}

// TokenUser returns the user an API token secret acts as, and the token.
// An unknown, revoked or expired token, or one of a disabled user, gives
// ErrForbidden. It records the use in LastUsedAt at most once a minute.
func (a *Accounts) TokenUser(ctx context.Context, secret string) (User, Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return User{}, Token{}, models.Forbidden("API token is not valid")
	}
	hash := sha256Hex(secret)
	if hit, ok := a.tokens.get(hash, a.clock()); ok {
		return hit.user, hit.token, nil
	}
	db := a.db.WithContext(ctx)
	var rows []tokenRow
	if err := db.Where("secret_hash = ?", hash).Limit(1).Find(&rows).Error; err != nil {
		return User{}, Token{}, fmt.Errorf("read token: %w", dbErr(err))
	}
	if len(rows) == 0 {
		return User{}, Token{}, models.Forbidden("API token is not valid")
	}
	t := rows[0]
	now := a.clock()
	switch {
	case t.Revoked:
		return User{}, Token{}, models.Forbidden("API token %q was revoked", t.Name)
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return User{}, Token{}, models.Forbidden("API token %q expired", t.Name)
	}
	u, err := a.userRow(ctx, a.db, t.UserID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return User{}, Token{}, models.Forbidden("API token is not valid")
	case err != nil:
		return User{}, Token{}, err
	case u.Disabled:
		return User{}, Token{}, models.Forbidden("account %q is disabled", u.ID)
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= lastUsedEvery {
		// Conditional, so concurrent uses write once.
		res := db.Model(&tokenRow{}).
			Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", t.ID, now.Add(-lastUsedEvery)).
			Update("last_used_at", now)
		if res.Error != nil {
			return User{}, Token{}, fmt.Errorf("record use of token %s: %w", t.ID, dbErr(res.Error))
		}
		t.LastUsedAt = &now
	}
	a.tokens.put(hash, tokenHit{user: u.user(), token: t.token(), until: now.Add(tokenCacheTTL)})
	return u.user(), t.token(), nil
}

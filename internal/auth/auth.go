// Package auth keeps Plumbline's user accounts, browser sessions and API
// tokens in the application's database (tables prefixed auth_), on SQLite
// or PostgreSQL alike.
//
// Users are off-ledger: the ledger records the user ID and role on each
// transaction, vouched for by the organization's signature; this package
// decides who may act as that user. Passwords are stored as argon2id hashes
// in PHC string format; session tokens and API token secrets are stored
// only as their SHA-256, so a copy of the database lets nobody log in.
//
// Expected outcomes are *models.Error values (ErrInvalid, ErrNotFound,
// ErrConflict, ErrForbidden) or a *RateLimitError wrapping ErrRateLimited;
// gorm errors never leave the package.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/models"
)

// Options configure Accounts. The zero value is production-ready.
type Options struct {
	// Now is the clock; nil means time.Now. Tests inject their own.
	Now func() time.Time
	// SessionTTL is how long a browser session lasts from login; 0 means 12h.
	SessionTTL time.Duration
	// Logger receives failed and rate-limited logins; nil discards.
	Logger *slog.Logger
	// HashParams are the argon2id parameters for new hashes; nil means
	// DefaultParams. Tests may pass &CheapParams.
	HashParams *Params
	// RateLimit bounds failed logins; zero fields take their defaults.
	RateLimit RateLimit
}

// DefaultSessionTTL is the session lifetime when Options.SessionTTL is 0.
const DefaultSessionTTL = 12 * time.Hour

// Accounts is the account store over one database. It is safe for
// concurrent use.
type Accounts struct {
	db      *gorm.DB
	now     func() time.Time
	ttl     time.Duration
	log     *slog.Logger
	params  Params
	limiter *limiter
	// dummy is a hash of a random password with params; Authenticate checks
	// unknown logins against it so they cost the same as known ones.
	dummy string
	// hashes counts argon2id derivations, so tests can pin that unknown
	// and known logins do the same work.
	hashes atomic.Int64
	// tokens remembers recently checked API tokens (tokencache.go).
	tokens tokenCache
}

// Open returns the accounts stored in db, creating or migrating the auth_
// tables.
func Open(ctx context.Context, db *gorm.DB, opts Options) (*Accounts, error) {
	a := &Accounts{db: db, now: opts.Now, ttl: opts.SessionTTL, log: opts.Logger, params: DefaultParams}
	if a.now == nil {
		a.now = time.Now
	}
	if a.ttl == 0 {
		a.ttl = DefaultSessionTTL
	}
	if a.ttl < 0 {
		return nil, fmt.Errorf("session TTL %v is negative", a.ttl)
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if opts.HashParams != nil {
		a.params = *opts.HashParams
	}
	if err := a.params.Validate(); err != nil {
		return nil, fmt.Errorf("password hash parameters: %w", err)
	}
	rl, err := opts.RateLimit.withDefaults()
	if err != nil {
		return nil, err
	}
	a.limiter = newLimiter(rl)
	if a.dummy, err = hashPassword(randomToken(), a.params); err != nil {
		return nil, err
	}
	if err := db.WithContext(ctx).AutoMigrate(&userRow{}, &sessionRow{}, &tokenRow{}); err != nil {
		return nil, fmt.Errorf("migrate auth tables: %w", dbErr(err))
	}
	return a, nil
}

// clock returns the current time as stored: UTC, to the microsecond (the
// precision PostgreSQL keeps), so values read back compare equal.
func (a *Accounts) clock() time.Time {
	return a.now().UTC().Truncate(time.Microsecond)
}

// userRow is an account.
type userRow struct {
	ID           string `gorm:"primaryKey;size:64"`
	OrgID        string `gorm:"size:64;not null;index"`
	Name         string `gorm:"size:400;not null"`
	Role         string `gorm:"size:16;not null"`
	PasswordHash string `gorm:"size:512;not null"`
	Disabled     bool   `gorm:"not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName names the table.
func (userRow) TableName() string { return "auth_users" }

// sessionRow is a browser session; ID is the SHA-256 of its token.
type sessionRow struct {
	ID        string    `gorm:"primaryKey;size:64"`
	UserID    string    `gorm:"size:64;not null;index"`
	CreatedAt time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null;index"`
}

// TableName names the table.
func (sessionRow) TableName() string { return "auth_sessions" }

// tokenRow is an API token; SecretHash is the SHA-256 of its secret.
type tokenRow struct {
	ID         string `gorm:"primaryKey;size:32"`
	SecretHash string `gorm:"size:64;not null;uniqueIndex"`
	UserID     string `gorm:"size:64;not null;index"`
	Name       string `gorm:"size:400;not null"`
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	Revoked    bool `gorm:"not null"`
}

// TableName names the table.
func (tokenRow) TableName() string { return "auth_tokens" }

// dbErr strips gorm's sentinel identities from err so that callers cannot
// depend on them; the message and context errors are kept.
func dbErr(err error) error {
	if err == nil {
		return nil
	}
	for _, e := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return fmt.Errorf("%s: %w", err.Error(), e)
		}
	}
	return errors.New(err.Error())
}

// userNotFound is the error for a missing user ID.
func userNotFound(id string) error {
	return models.NotFound("id", "user %q does not exist", id)
}

// utc returns t in UTC, or nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

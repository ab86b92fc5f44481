package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

// testClock is an injected clock that moves only when told.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 1, 8, 0, 0, 123456789, time.UTC)}
}

// Now returns the clock's time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is an Accounts on a fresh database with a test clock.
type fixture struct {
	ctx   context.Context
	a     *Accounts
	clock *testClock
}

// open returns an Accounts on a fresh database of dialect with cheap hash
// parameters, opened twice to check that migrating again keeps the data.
func open(t testing.TB, dialect string, mod ...func(*Options)) fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	clock := newClock()
	opts := Options{Now: clock.Now, HashParams: &CheapParams}
	for _, m := range mod {
		m(&opts)
	}
	db := dbtest.Open(t, dialect)
	if _, err := Open(ctx, db, opts); err != nil {
		t.Fatalf("Open: %v", err)
	}
	a, err := Open(ctx, db, opts)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	return fixture{ctx: ctx, a: a, clock: clock}
}

const testPassword = "correct horse battery"

// create adds a user with testPassword or fails the test.
func (f fixture) create(t testing.TB, id, org string, role models.Role) User {
	t.Helper()
	u, err := f.a.CreateUser(f.ctx, models.User{ID: id, OrgID: org, Name: "Test " + id, Role: role}, testPassword)
	if err != nil {
		t.Fatalf("CreateUser %s: %v", id, err)
	}
	return u
}

// wantKind fails the test unless err is a *models.Error of kind (or nil
// when kind is nil).
func wantKind(t testing.TB, err, kind error) {
	t.Helper()
	if kind == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var me *models.Error
	if !errors.Is(err, kind) || !errors.As(err, &me) {
		t.Fatalf("error = %v (%T), want a *models.Error of kind %v", err, err, kind)
	}
}

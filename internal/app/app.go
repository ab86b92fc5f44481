// Package app holds Plumbline's use cases: what a supplier, a site, an
// inspector or a manager does, as calls such as App.Receive(ctx, actor,
// args). The HTTP handlers in server parse a request, call one of these and
// render the answer; imports and background sweeps call the same functions.
// Every write is one or more contract transactions submitted through the
// ledger, and a call returns only once the read model shows them, so the
// caller reads its own write.
//
// Nothing here knows about HTTP: an Actor says who acts and under which
// idempotency key, and errors are the models and store sentinels that the
// server maps to statuses in one place.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/internal/jobs"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// Projection is what the use cases need of the projector: how far the read
// model has got, and a way to wait for a write to show up in it.
type Projection interface {
	Applied() uint64
	WaitFor(ctx context.Context, seq uint64) error
}

// Options wires the use cases to their dependencies. Ledger, Store and
// Projector are required.
type Options struct {
	Ledger    ledger.Ledger
	Store     *store.Store
	Projector Projection
	Files     *files.Store
	// Accounts are the users and tokens, for the admins' use cases.
	Accounts *auth.Accounts
	// BaseURL is the public URL batches' Digital Link URIs start with.
	BaseURL string
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WriteTimeout bounds how long a write waits for the ledger and the
	// read model; zero means 15 s.
	WriteTimeout time.Duration
	// Jobs is the table imports, captures and verifications run in (its
	// owner shuts it down); nil means a table of the App's own.
	Jobs *jobs.Table
	// Cosigner asks the configured witnesses to cosign the ledger's
	// checkpoints; nil when none is configured (or on Fabric).
	Cosigner *cosign.Cosigner
}

// App runs the use cases.
type App struct {
	opts    Options
	ops     *store.Ops   // the operational tables beside the read model
	dash    dashCache    // the dashboards' aggregates
	trace   traceCaches  // batches and organizations as the trace pages read them
	work    *work        // jobs and background work (jobs_*.go, late_results.go)
	commits CommitWindow // the last hour of ledger commits (ledger_health.go)
}

// New returns the use cases over opts.
func New(opts Options) *App {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 15 * time.Second
	}
	if opts.Jobs == nil {
		opts.Jobs = jobs.New(jobs.Options{Now: opts.Now})
	}
	a := &App{opts: opts, ops: opts.Store.Ops()}
	a.work = newWork(opts.Jobs)
	a.work.late = a.NewLateResults()
	return a
}

// BaseURL is the public URL the use cases build identifiers on.
func (a *App) BaseURL() string { return a.opts.BaseURL }

// Actor says who acts: the user, their organization as the read model
// knows it, and the idempotency key the client gave for this request ("" for
// none), so a retried request commits once.
type Actor struct {
	User *auth.User
	// Org is the user's organization; use cases that decide by kind need it.
	Org            *models.Organization
	IdempotencyKey string
	// Replayed, when set, is called when a write of the request answers a
	// retry: its transaction had committed before, under the same key.
	Replayed func()
}

// ErrUnauthenticated marks a call made without a user.
var ErrUnauthenticated = errors.New("unauthorized")

// MaxIdempotencyKey bounds a client's idempotency key; the ledger key adds
// the user's ID in front.
const MaxIdempotencyKey = 120

// checkKey refuses an idempotency key over MaxIdempotencyKey.
func checkKey(key string) error {
	if len(key) > MaxIdempotencyKey {
		return models.Invalid("Idempotency-Key", "is %d characters long; use at most %d", len(key), MaxIdempotencyKey)
	}
	return nil
}

// Submit sends one contract transaction for the actor under the actor's
// idempotency key and waits until the read model shows it.
func (a *App) Submit(ctx context.Context, act Actor, typ string, args any) (ledger.Receipt, error) {
	return a.SubmitPart(ctx, act, "", typ, args)
}

// SubmitPart is Submit for one of several transactions a request makes:
// its idempotency key is the actor's key with "/part" appended, so a
// retried request commits each part once and the parts never replay one
// another. An empty part is the request's own key.
func (a *App) SubmitPart(ctx context.Context, act Actor, part, typ string, args any) (ledger.Receipt, error) {
	if act.User == nil {
		return ledger.Receipt{}, fmt.Errorf("%w: log in first", ErrUnauthenticated)
	}
	key := act.IdempotencyKey
	if err := checkKey(key); err != nil {
		return ledger.Receipt{}, err
	}
	if key != "" && part != "" {
		key += "/" + part
	}
	rec, err := a.SubmitAs(ctx, act.User, typ, args, key)
	if err == nil && rec.Replayed && act.Replayed != nil {
		act.Replayed()
	}
	return rec, err
}

// SubmitAs sends one contract transaction for user u under the
// idempotency key key (scoped to the user; "" for none) and waits until
// the read model shows it. It serves work that runs after its request:
// imports, captures and sweeps.
func (a *App) SubmitAs(ctx context.Context, u *auth.User, typ string, args any, key string) (ledger.Receipt, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return ledger.Receipt{}, fmt.Errorf("encode %s arguments: %w", typ, err)
	}
	if key != "" {
		key = u.ID + "/" + key
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.WriteTimeout)
	defer cancel()
	rec, err := a.opts.Ledger.Submit(ctx, ledger.Tx{Type: typ, Args: raw, Org: u.OrgID, User: u.ID, Role: u.Role, IdempotencyKey: key})
	if err != nil {
		return rec, err
	}
	if err := a.opts.Projector.WaitFor(ctx, rec.Seq); err != nil {
		return rec, fmt.Errorf("committed as entry %d but the read model has not caught up: %w", rec.Seq, err)
	}
	return rec, nil
}

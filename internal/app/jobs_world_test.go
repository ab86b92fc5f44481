package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/jobs"
	"github.com/plumbline/plumbline/internal/projector"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/models"
)

// jobsWorld is the system the job and sweep tests run on: a real embedded
// ledger and read model in a fresh SQLite file, the projector running.
type jobsWorld struct {
	ledger *embedded.Ledger
	store  *store.Store
	proj   *projector.Projector
	log    *slog.Logger
}

// newJobsWorld opens the world with the demo's organizations and products
// registered, and with the whole demo history when full is set.
func newJobsWorld(t *testing.T, full bool) *jobsWorld {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t, dbx.SQLite)
	level := slog.LevelError + 1 // quiet unless -v
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	w := &jobsWorld{log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))}
	var err error
	if w.ledger, err = embedded.Open(ctx, embedded.Options{DB: db, KeyDir: filepath.Join(t.TempDir(), "keys"), Logger: w.log}); err != nil {
		t.Fatal(err)
	}
	if w.store, err = store.Open(ctx, db); err != nil {
		t.Fatal(err)
	}
	w.proj = projector.New(w.store, w.ledger, w.log)
	pctx, stop := context.WithCancel(ctx)
	pdone := make(chan struct{})
	go func() { defer close(pdone); _ = w.proj.Run(pctx) }()
	t.Cleanup(func() {
		stop()
		<-pdone
		_ = w.ledger.Close()
	})
	if full {
		if _, err := demo.Generate(ctx, w.ledger, demo.Options{Seed: 7}); err != nil {
			t.Fatal(err)
		}
	} else {
		plan, _ := demo.Plan(demo.Options{Seed: 7})
		for i, tx := range plan {
			if !strings.HasPrefix(tx.Type, "Register") {
				break
			}
			tx.IdempotencyKey = demo.IdempotencyKey(7, i)
			if _, err := w.ledger.Submit(ctx, tx); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.caughtUp(t)
	return w
}

// caughtUp waits until the read model shows the whole ledger.
func (w *jobsWorld) caughtUp(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.proj.WaitFor(ctx, w.head(t)); err != nil {
		t.Fatal(err)
	}
}

func (w *jobsWorld) head(t *testing.T) uint64 {
	t.Helper()
	h, err := w.ledger.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// app returns the use cases over the world with l as the ledger (the
// world's own when nil) and a fresh job table: a (re)started server.
func (w *jobsWorld) app(l ledger.Ledger) (*App, *jobs.Table) {
	if l == nil {
		l = w.ledger
	}
	tb := jobs.New(jobs.Options{})
	return New(Options{Ledger: l, Store: w.store, Projector: w.proj, Logger: w.log, Jobs: tb}), tb
}

// operator is the cement plant's operator.
var operator = &auth.User{ID: demo.UserID(demo.OrgCement, models.RoleOperator), OrgID: demo.OrgCement, Role: models.RoleOperator}

// slowLedger is the world's real ledger, with every commit taking at
// least delay and waiting for gate until it is closed, and a capture's
// first read (Committed) waiting for readGate: long enough for a job to be
// caught running at shutdown.
type slowLedger struct {
	*embedded.Ledger
	delay    time.Duration
	gate     chan struct{} // nil: no gate
	readGate chan struct{} // nil: no gate

	mu      sync.Mutex
	commits int // Submit and SubmitBatch calls that reached the ledger
}

func (l *slowLedger) wait(ctx context.Context) error {
	if l.gate != nil {
		select {
		case <-l.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	time.Sleep(l.delay)
	l.mu.Lock()
	l.commits++
	l.mu.Unlock()
	return nil
}

// reached is how many commits reached the ledger.
func (l *slowLedger) reached() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.commits
}

func (l *slowLedger) Committed(ctx context.Context, org string, keys []string) (map[string]ledger.Receipt, error) {
	if l.readGate != nil {
		<-l.readGate
	}
	return l.Ledger.Committed(ctx, org, keys)
}

func (l *slowLedger) Submit(ctx context.Context, tx ledger.Tx) (ledger.Receipt, error) {
	if err := l.wait(ctx); err != nil {
		return ledger.Receipt{}, err
	}
	return l.Ledger.Submit(ctx, tx)
}

func (l *slowLedger) SubmitBatch(ctx context.Context, txs []ledger.Tx, atomic bool) ([]ledger.Receipt, []error, error) {
	if err := l.wait(ctx); err != nil {
		return nil, nil, err
	}
	return l.Ledger.SubmitBatch(ctx, txs, atomic)
}

// waitUntil polls cond until it holds or 30 s pass.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

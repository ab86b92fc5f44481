package projector

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
)

// TestTwoProjectorsShareADatabase: a server's projector and a verify or
// demo command's projector may run on one database at once; both must
// finish, and the read model must match the ledger.
func TestTwoProjectorsShareADatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		p1 := New(e.st, newSource(e.c.events), nil)
		p2 := New(e.st, newSource(e.c.events), nil)
		p1.maxBatch, p2.maxBatch = 1, 1 // many small transactions, to interleave
		ctx, cancel := context.WithCancel(e.ctx)
		defer cancel()
		done := make(chan error, 2)
		go func() { done <- p1.Run(ctx) }()
		go func() { done <- p2.Run(ctx) }()
		for _, p := range []*Projector{p1, p2} {
			if err := p.WaitFor(e.ctx, e.head()); err != nil {
				t.Fatalf("a projector gave up: %v", err)
			}
		}
		cancel()
		for range 2 {
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("Run ended with %v, want context.Canceled", err)
			}
		}
		if err := e.check(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWaitForReturnsWhenRunCannotStart: a projector whose read model cannot
// be read must not leave WaitFor waiting forever.
func TestWaitForReturnsWhenRunCannotStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		if err := e.db.Exec(`DROP TABLE rm_checkpoint`).Error; err != nil {
			t.Fatal(err)
		}
		p := New(e.st, newSource(e.c.events), nil)
		if err := p.Run(e.ctx); err == nil {
			t.Fatal("Run without its checkpoint table succeeded")
		}
		ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
		defer cancel()
		err := p.WaitFor(ctx, 1)
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitFor = %v, want the projector's failure", err)
		}
	})
}

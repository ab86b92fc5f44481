// Package projector applies committed ledger events to the read model
// (internal/store), in ledger order, from a checkpoint stored with the read
// model itself. Each run of events is applied in one database transaction
// that also moves the checkpoint, so projection is crash-safe and
// idempotent: re-applying an event that was already applied changes nothing.
package projector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
)

// Source is the part of the ledger the projector reads: ledger.Ledger
// satisfies it. Head tells Rebuild how far to go; Events delivers
// committed events in order, then waits for more.
type Source interface {
	Head(ctx context.Context) (uint64, error)
	Events(ctx context.Context, after uint64, fn func(ledger.Event) error) error
}

// MaxBatch is the most events Run applies in one database transaction.
const MaxBatch = 500

// rebuildBatch is how many events Rebuild applies per transaction.
const rebuildBatch = 2000

// Projector keeps a read model up to date with a ledger.
type Projector struct {
	st       *store.Store
	src      Source
	log      *slog.Logger
	maxBatch int
	busy     sync.Mutex // held by Run and Rebuild: one at a time

	mu      sync.Mutex
	applied uint64        // last applied seq, once known
	known   bool          // applied has been read from the checkpoint
	stopped error         // why the last Run failed; nil while running, before, or after a cancel
	changed chan struct{} // closed and replaced whenever the above change
}

// New returns a projector from src into st. A nil logger discards logs.
func New(st *store.Store, src Source, logger *slog.Logger) *Projector {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Projector{st: st, src: src, log: logger, maxBatch: MaxBatch, changed: make(chan struct{})}
}

// Applied returns the sequence number of the last event applied, as far as
// this projector knows (0 before Run or Rebuild has read the checkpoint).
func (p *Projector) Applied() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applied
}

// set records progress or a stop and wakes every waiter.
func (p *Projector) set(applied uint64, stopped error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.applied, p.known, p.stopped = applied, true, stopped
	close(p.changed)
	p.changed = make(chan struct{})
}

// WaitFor blocks until event seq has been applied to the read model, ctx is
// done, or Run fails (not when Run is merely cancelled); the web app calls
// it after a Submit to read its own writes.
func (p *Projector) WaitFor(ctx context.Context, seq uint64) error {
	for {
		p.mu.Lock()
		applied, known, stopped, changed := p.applied, p.known, p.stopped, p.changed
		p.mu.Unlock()
		if known && applied >= seq {
			return nil
		}
		if stopped != nil {
			return fmt.Errorf("wait for event %d: projector stopped at event %d: %w", seq, applied, stopped)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for event %d (applied %d): %w", seq, applied, ctx.Err())
		}
	}
}

// Run applies every event after the stored checkpoint, then each new event
// as it commits, until ctx is done or something fails. Events that arrive
// together are applied together, up to MaxBatch per transaction. It returns
// ctx's error when ctx ends.
func (p *Projector) Run(ctx context.Context) (err error) {
	if !p.busy.TryLock() {
		return errors.New("projector is already running")
	}
	defer p.busy.Unlock()
	cp, err := p.st.Checkpoint(ctx)
	if err != nil {
		// Record the failure so that WaitFor returns instead of waiting
		// for a projector that never started.
		p.set(p.Applied(), stopErr(err))
		return err
	}
	p.set(cp, nil)
	defer func() { p.set(p.Applied(), stopErr(err)) }()
	p.log.Info("projector started", "checkpoint", cp)

	ctx, cancel := context.WithCancel(ctx)
	events := make(chan ledger.Event, p.maxBatch)
	defer func() {
		cancel()
		for range events { // wait for the reader to stop
		}
	}()
	srcDone := make(chan error, 1)
	go func() {
		defer close(events)
		srcDone <- p.src.Events(ctx, cp, func(e ledger.Event) error {
			select {
			case events <- e:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	for {
		e, ok := <-events
		if !ok {
			err := <-srcDone
			if err == nil {
				err = errors.New("ledger event stream ended")
			}
			return fmt.Errorf("projector: %w", err)
		}
		cs := store.NewChangeset()
		if err := add(cs, e); err != nil {
			return err
		}
	drain:
		for cs.Len() < p.maxBatch {
			select {
			case e, ok := <-events:
				if !ok {
					break drain
				}
				if err := add(cs, e); err != nil {
					return err
				}
			default:
				break drain
			}
		}
		head, err := p.st.Apply(ctx, cs)
		if err != nil {
			return err
		}
		p.set(head, nil)
		p.log.Debug("projected events", "count", cs.Len(), "checkpoint", head)
	}
}

// stopErr is what WaitFor reports after Run ended with err: nothing when
// Run was cancelled (a later Run may carry on, so waiters keep waiting),
// otherwise the failure, until the next Run starts.
func stopErr(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}

// errCaughtUp ends Rebuild's read of the ledger at the head.
var errCaughtUp = errors.New("caught up")

// Rebuild drops the read model and applies every event up to the ledger's
// current head again (plumbline reindex), calling progress (when not nil)
// after each database transaction with the events done and the total. Run
// must not be running.
func (p *Projector) Rebuild(ctx context.Context, progress func(done, total uint64)) error {
	if !p.busy.TryLock() {
		return errors.New("projector is running; stop it before a rebuild")
	}
	defer p.busy.Unlock()
	head, err := p.src.Head(ctx)
	if err != nil {
		return fmt.Errorf("rebuild read model: ledger head: %w", err)
	}
	if err := p.st.Reset(ctx); err != nil {
		return err
	}
	p.set(0, nil)
	report := func(done uint64) {
		if progress != nil {
			progress(done, head)
		}
	}
	report(0)
	if head == 0 {
		return nil
	}
	cs := store.NewChangeset()
	err = p.src.Events(ctx, 0, func(e ledger.Event) error {
		if e.Seq > head {
			return errCaughtUp
		}
		if err := add(cs, e); err != nil {
			return err
		}
		if cs.Len() < rebuildBatch && e.Seq < head {
			return nil
		}
		done, err := p.st.Apply(ctx, cs)
		if err != nil {
			return err
		}
		p.set(done, nil)
		report(done)
		cs = store.NewChangeset()
		if done >= head {
			return errCaughtUp
		}
		return nil
	})
	if !errors.Is(err, errCaughtUp) {
		if err == nil {
			err = errors.New("ledger event stream ended early")
		}
		return fmt.Errorf("rebuild read model: %w", err)
	}
	p.log.Info("read model rebuilt", "events", head)
	return nil
}

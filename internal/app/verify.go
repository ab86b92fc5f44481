package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
)

// VerifierFunc verifies the whole ledger (ledger.Verifier's VerifyAll).
type VerifierFunc func(ctx context.Context, progress func(done, total uint64)) (ledger.Verification, error)

// VerifyRequest says who asks for a verification and how far it goes.
type VerifyRequest struct {
	Source string // store.VerifyCLI or store.VerifyServer
	User   string // who started it on the server ("" from the CLI)
	// Progress, when set, is told now and then how far the ledger check got.
	Progress func(done, total uint64)
	// CatchUp brings the read model exactly to the verified size before it
	// is compared with the replayed state. Nil skips the comparison: a
	// running server's read model moves on while it verifies.
	CatchUp func(ctx context.Context, seq uint64) error
	// EventRow, with CatchUp, gives each ledger event as the projector
	// records it (projector.EventRow), so the events table and the index
	// of the batches each event touched, which decide who is involved, are
	// compared with the verified ledger too.
	EventRow func(ledger.Event) (store.Event, error)
}

// VerifyLedger is the one verification the CLI (plumbline verify) and the
// dashboard's "verify now" run: every entry's hash, signature and replay
// and every checkpoint, then, with CatchUp, the read model against the
// replayed state. Every run, passed or failed, is recorded for the
// dashboard's ledger health (an interrupted one is not); failing to
// record it is logged, not fatal.
func (a *App) VerifyLedger(ctx context.Context, verify VerifierFunc, req VerifyRequest) (ledger.Verification, error) {
	started, t0 := a.opts.Now(), time.Now()
	rep, err := verify(ctx, req.Progress)
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		// Interrupted (a server's shutdown, a Ctrl-C): it neither passed
		// nor failed, so nothing is recorded.
		a.opts.Logger.Info("ledger verification interrupted; not recorded")
		return rep, ctx.Err()
	}
	what := "leaf hashes, signatures, checkpoints and contract replay"
	if err == nil && req.CatchUp != nil {
		what = "leaf hashes, signatures, checkpoints, contract replay and the read model"
		err = a.checkReadModel(ctx, rep, req.CatchUp, req.EventRow)
	}
	run := store.VerifyRun{Source: req.Source, User: req.User, StartedAt: started, DurationMS: time.Since(t0).Milliseconds(),
		ToSeq: rep.Checkpoint.Size, Root: hex.EncodeToString(rep.Checkpoint.Root), OK: err == nil,
		Message: fmt.Sprintf("%d entries: %s", rep.Entries, what)}
	if err != nil {
		run.Message = err.Error()
		if rep.Checkpoint.Size == 0 { // a failed run covered what was there when it started
			if head, herr := a.opts.Ledger.Head(ctx); herr == nil {
				run.ToSeq = head
			}
		}
	}
	if run.ToSeq > 0 {
		run.FromSeq = 1
	}
	if rerr := a.ops.RecordVerifyRun(context.WithoutCancel(ctx), &run); rerr != nil {
		a.opts.Logger.Error("could not record the verify run for the dashboard", "err", rerr)
	}
	return rep, err
}

// checkReadModel brings the read model to the verified size and compares
// it with the replayed state.
func (a *App) checkReadModel(ctx context.Context, rep ledger.Verification, catchUp func(context.Context, uint64) error,
	eventRow func(ledger.Event) (store.Event, error)) error {
	head := rep.Checkpoint.Size
	if err := catchUp(ctx, head); err != nil {
		return fmt.Errorf("bring read model up to date: %w", err)
	}
	if rep.State == nil {
		return fmt.Errorf("the ledger's verification gave no replayed state to compare the read model with")
	}
	// The records and the event log are compared side by side: both only
	// read, and the second ledger pass is as long as the first.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	logErr := make(chan error, 1)
	go func() {
		if eventRow == nil || head == 0 {
			logErr <- nil
			return
		}
		logErr <- a.checkEventLog(ctx, head, eventRow)
	}()
	if err := a.opts.Store.Check(ctx, head, rep.State); err != nil {
		cancel()
		<-logErr
		if cp, cerr := a.opts.Store.Checkpoint(context.WithoutCancel(ctx)); cerr == nil && cp > head {
			return fmt.Errorf("ledger verified up to entry %d, but the read model moved on to %d meanwhile (is a server running?), so it could not be compared; stop the server or run verify again", head, cp)
		}
		return err
	}
	return <-logErr
}

// checkEventLog compares the events table and its batch index with the
// ledger's events 1…head as the projector records them.
func (a *App) checkEventLog(ctx context.Context, head uint64, eventRow func(ledger.Event) (store.Event, error)) error {
	return a.opts.Store.CheckEventLog(ctx, func(fn func(store.Event) error) error {
		err := a.opts.Ledger.Events(ctx, 0, func(e ledger.Event) error {
			row, err := eventRow(e)
			if err != nil {
				return fmt.Errorf("event %d: %w", e.Seq, err)
			}
			if err := fn(row); err != nil {
				return err
			}
			if e.Seq >= head {
				return errLogEnd
			}
			return nil
		})
		if errors.Is(err, errLogEnd) {
			return nil
		}
		return err
	})
}

// errLogEnd stops reading the ledger's events at the verified size.
var errLogEnd = errors.New("end of the verified log")

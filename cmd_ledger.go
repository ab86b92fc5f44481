package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"time"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded"
)

// cmdDemo writes the demo consortium and its history through the ledger and
// brings the read model up to date.
func cmdDemo(ctx context.Context, e *env, args []string) error {
	var events int
	if err := e.parse("demo", args, func(fs *flag.FlagSet) {
		fs.IntVar(&events, "events", 0, "scale the history up to about N events (0: the standard demo)")
	}); err != nil {
		return err
	}
	if events < 0 {
		return fmt.Errorf("%w: --events must be 0 or more", errUsage)
	}
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	sum, err := demo.Generate(ctx, a.ledger, demo.Options{Seed: e.cfg.DemoSeed, Events: events, Progress: intProgress(e.progress("demo"))})
	if err != nil {
		return err
	}
	head, err := a.catchUp(ctx)
	if err != nil {
		return fmt.Errorf("project demo data: %w", err)
	}
	fmt.Fprintf(e.stdout, "demo data written: %s; ledger head %d\n", sum, head)
	return nil
}

// cmdVerify checks the whole ledger (leaves, signatures, tree against every
// checkpoint, contract replay against world state) and then the read model
// against the replayed state. Pending events are projected first: a read
// model that is merely behind is not damaged.
func cmdVerify(ctx context.Context, e *env, args []string) error {
	if err := e.parse("verify", args, nil); err != nil {
		return err
	}
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	t0 := time.Now()
	el, ok := a.ledger.(*embedded.Ledger)
	if !ok {
		head, err := a.checkCommitted(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "ok: read model matches the writes of all %d committed Fabric transactions (%s); the Merkle log and signature checks are for the embedded ledger — on Fabric the peers validate every block\n",
			head, time.Since(t0).Round(time.Millisecond))
		return nil
	}
	rep, err := el.Verify(ctx, embedded.VerifyOptions{Progress: e.progress("verify ledger")})
	if err != nil {
		recordVerify(ctx, e, a, t0, rep.Checkpoint, err)
		return err
	}
	t1 := time.Now()
	// The replayed state is the ledger at the verified size; bring the read
	// model exactly there and compare.
	head := rep.Checkpoint.Size
	e.status("checking the read model against the replayed state…")
	if err := a.catchUpTo(ctx, head); err != nil {
		return fmt.Errorf("bring read model up to date: %w", err)
	}
	if err := a.store.Check(ctx, head, rep.State.All()); err != nil {
		if cp, cerr := a.store.Checkpoint(ctx); cerr == nil && cp > head {
			err = fmt.Errorf("ledger verified up to entry %d, but the read model moved on to %d meanwhile (is a server running?), so it could not be compared; stop the server or run verify again", head, cp)
		}
		recordVerify(ctx, e, a, t0, rep.Checkpoint, err)
		return err
	}
	recordVerify(ctx, e, a, t0, rep.Checkpoint, nil)
	fmt.Fprintf(e.stdout, "ok: %d entries, %d signatures, %d checkpoints and %d state keys verified in %s; root %x at size %d; read model matches (%s)\n",
		rep.Entries, rep.Entries, rep.Checkpoints, rep.StateKeys, t1.Sub(t0).Round(time.Millisecond), rep.Checkpoint.Root, rep.Checkpoint.Size, time.Since(t1).Round(time.Millisecond))
	return nil
}

// recordVerify stores the outcome of a verify run for the dashboard's
// ledger health; failing to store it is reported, not fatal.
func recordVerify(ctx context.Context, e *env, a *app, started time.Time, cp ledger.Checkpoint, err error) {
	run := store.VerifyRun{Source: store.VerifyCLI, StartedAt: started, DurationMS: time.Since(started).Milliseconds(),
		ToSeq: cp.Size, Root: hex.EncodeToString(cp.Root), OK: err == nil,
		Message: fmt.Sprintf("%d entries: leaf hashes, signatures, checkpoints, contract replay and the read model", cp.Size)}
	if cp.Size == 0 && err != nil { // a failed run covered what was there
		if head, herr := a.ledger.Head(ctx); herr == nil {
			run.ToSeq = head
		}
	}
	if run.ToSeq > 0 {
		run.FromSeq = 1
	}
	if err != nil {
		run.Message = err.Error()
	}
	if rerr := a.store.Ops().RecordVerifyRun(context.WithoutCancel(ctx), &run); rerr != nil {
		e.log.Warn("could not record the verify run for the dashboard", "err", rerr)
	}
}

// cmdReindex drops the read model and rebuilds it from the ledger.
func cmdReindex(ctx context.Context, e *env, args []string) error {
	if err := e.parse("reindex", args, nil); err != nil {
		return err
	}
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.proj.Rebuild(ctx, e.progress("reindex")); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "read model rebuilt from %d ledger events\n", a.proj.Applied())
	return nil
}

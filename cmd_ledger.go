package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	usecase "github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/internal/projector"
	"github.com/plumbline/plumbline/internal/store"
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
	fs, err := files.Open(filepath.Join(e.cfg.DataDir, "files"))
	if err != nil {
		return err
	}
	sum, err := demo.Generate(ctx, a.ledger, demo.Options{Seed: e.cfg.DemoSeed, Events: events, Progress: intProgress(e.progress("demo")), Files: fs})
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
//
// With --trusted-checkpoint FILE (a signed checkpoint someone kept, as
// /api/v1/ledger/checkpoint gives its note), it first checks that the
// ledger still extends it: a smaller ledger was rolled back, one whose tree
// differs at that size has forked; either exits 1 saying so.
//
// With --since-witnessed, the check is incremental: from the newest
// checkpoint a quorum of the configured witnesses cosigned, which the
// ledger must extend, only the entries after it are checked (everything
// but the contract's replay and the read model).
func cmdVerify(ctx context.Context, e *env, args []string) error {
	var trusted string
	var since bool
	if err := e.parse("verify", args, func(fs *flag.FlagSet) {
		fs.StringVar(&trusted, "trusted-checkpoint", "", "a signed checkpoint `file` kept from this ledger: verify fails when the ledger was rolled back or forked since")
		fs.BoolVar(&since, "since-witnessed", false, "check only the entries after the newest witnessed checkpoint (PLUMBLINE_WITNESSES), without replaying the contract")
	}); err != nil {
		return err
	}
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	t0 := time.Now()
	el, ok := a.ledger.(*embedded.Ledger)
	if since {
		return verifySinceWitnessed(ctx, e, a, el)
	}
	if trusted != "" {
		if !ok {
			return fmt.Errorf("--trusted-checkpoint: the %s ledger has no signed checkpoints; on Fabric the peers validate every block", e.cfg.Ledger)
		}
		note, err := os.ReadFile(trusted)
		if err != nil {
			return fmt.Errorf("--trusted-checkpoint: %w", err)
		}
		if err := el.CheckTrusted(ctx, string(note)); err != nil {
			return err
		}
	}
	if !ok {
		head, err := a.checkCommitted(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "ok: read model matches the writes of all %d committed Fabric transactions (%s); the Merkle log and signature checks are for the embedded ledger — on Fabric the peers validate every block\n",
			head, time.Since(t0).Round(time.Millisecond))
		return nil
	}
	var t1 time.Time
	uc := usecase.New(usecase.Options{Ledger: a.ledger, Store: a.store, Projector: a.proj, Logger: e.log})
	rep, err := uc.VerifyLedger(ctx, el.VerifyAll, usecase.VerifyRequest{Source: store.VerifyCLI,
		Progress: e.progress("verify ledger"), EventRow: projector.EventRow,
		CatchUp: func(ctx context.Context, seq uint64) error {
			t1 = time.Now() // the ledger is verified; the read model's turn
			e.status("checking the read model against the replayed state…")
			return a.catchUpTo(ctx, seq)
		}})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ok: %d entries, %d signatures, %d checkpoints and %d state keys verified in %s; root %x at size %d; read model matches (%s)\n",
		rep.Entries, rep.Entries, rep.Checkpoints, rep.StateKeys, t1.Sub(t0).Round(time.Millisecond), rep.Checkpoint.Root, rep.Checkpoint.Size, time.Since(t1).Round(time.Millisecond))
	return nil
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

// verifySinceWitnessed runs the incremental check from the newest
// checkpoint a quorum of the configured witnesses cosigned.
func verifySinceWitnessed(ctx context.Context, e *env, a *app, el *embedded.Ledger) error {
	if el == nil || len(e.cfg.Witnesses) == 0 {
		return fmt.Errorf("%w: --since-witnessed needs the embedded ledger and its witnesses (PLUMBLINE_WITNESSES)", errUsage)
	}
	cs, err := e.cosigner(a.ledger)
	if err != nil {
		return err
	}
	w, k, err := cs.Witnessed(ctx)
	if err != nil {
		return fmt.Errorf("--since-witnessed: %w", err)
	}
	t0 := time.Now()
	rep, err := el.VerifySince(ctx, w.Note, embedded.VerifyOptions{Progress: e.progress("verify ledger")})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ok: the ledger extends the checkpoint of %d entries that %d of %d witnesses cosigned; the %d entries after it, their signatures, hashes, commitments and %d checkpoints verified in %s; root %x at size %d (the contract was not replayed: plumbline verify does that)\n",
		w.Size, k, len(e.cfg.Witnesses), rep.Entries, rep.Checkpoints, time.Since(t0).Round(time.Millisecond), rep.Checkpoint.Root, rep.Checkpoint.Size)
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/models"
)

// cmdLedger runs the embedded ledger's maintenance subcommands:
//
//	plumbline ledger set-origin ORIGIN      sign checkpoints under a new log origin
//	plumbline ledger recover --from-db URL  bring back the entries a restored
//	                                        backup lost from another copy
//	plumbline ledger recover --from URL [--token TOKEN]
//	                                        the same from another server's
//	                                        tiles, entry bundles and proofs
func cmdLedger(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: plumbline ledger needs a subcommand: set-origin, recover", errUsage)
	}
	switch args[0] {
	case "set-origin":
		return cmdSetOrigin(ctx, e, args[1:])
	case "recover":
		return cmdRecover(ctx, e, args[1:])
	default:
		return fmt.Errorf("%w: unknown subcommand %q of plumbline ledger; subcommands: set-origin, recover", errUsage, args[0])
	}
}

// cmdSetOrigin changes the log origin the embedded ledger signs its
// checkpoints under. The key stays; the latest checkpoint is re-signed
// under the new name and older ones keep verifying. Stop the server first.
//
// With --after-loss FILE (the old log's last witnessed checkpoint, which
// this ledger no longer extends: entries were lost for good) the first
// entry under the new origin is a ContinueLog transaction, submitted by
// --org (an authority) and recording that checkpoint.
func cmdSetOrigin(ctx context.Context, e *env, args []string) error {
	var origin, afterLoss, org, reason string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		origin, args = args[0], args[1:]
	}
	if err := e.parse("ledger set-origin", args, func(fs *flag.FlagSet) {
		fs.StringVar(&afterLoss, "after-loss", "", "the old log's last witnessed checkpoint `file`, when its newer entries were lost for good: recorded as the new origin's first entry")
		fs.StringVar(&org, "org", "", "the authority `organization` that records the continuation (with --after-loss)")
		fs.StringVar(&reason, "reason", "entries lost for good after a restore; the log continues under a new origin", "what happened (with --after-loss)")
	}); err != nil {
		return err
	}
	var kept string
	if afterLoss != "" {
		b, err := os.ReadFile(afterLoss)
		if err != nil {
			return fmt.Errorf("%w: --after-loss: %v", errUsage, err)
		}
		if kept = string(b); org == "" {
			return fmt.Errorf("%w: --after-loss needs --org, the authority that records the continuation", errUsage)
		}
	}
	if origin == "" {
		return fmt.Errorf("%w: plumbline ledger set-origin ORIGIN: name the new origin, e.g. plumbline.example.com/ledger", errUsage)
	}
	if err := embedded.CheckOrigin(origin); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if e.cfg.Ledger == "fabric" {
		return fmt.Errorf("%w: log origins belong to the embedded ledger; Fabric has no signed checkpoints", errUsage)
	}
	if kept != "" {
		// Check the continuation before anything changes: the origin
		// stays as it is when it would be refused.
		if err := checkLoss(ctx, e, kept); err != nil {
			return err
		}
	}
	e.cfg.LogOrigin, e.changeOrigin = origin, true
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	el := a.ledger.(*embedded.Ledger)
	fmt.Fprintf(e.stdout, "the ledger signs its checkpoints as %s\nverifier key: %s\ntell every witness the new origin and key (plumbline witness add-log --origin %s --key …)\n", el.Origin(), el.VerifierKey(), el.Origin())
	if kept == "" {
		return nil
	}
	cp, err := embedded.ParseCheckpoint(kept, el.VerifierKeys())
	if err != nil {
		return fmt.Errorf("--after-loss: not a checkpoint this ledger signed: %w", err)
	}
	// Recording the loss is the answer to a halt on evidence of it.
	if err := el.Resume(ctx); err != nil {
		return err
	}
	args2, _ := json.Marshal(contract.ContinueLogArgs{PreviousOrigin: cp.Origin, Checkpoint: kept, Reason: reason})
	r, err := a.ledger.Submit(ctx, ledger.Tx{Type: "ContinueLog", Args: args2, Org: org, User: org + ".admin", Role: models.RoleAdmin})
	if err != nil {
		return fmt.Errorf("record the continuation of %s: %w", cp.Origin, err)
	}
	if _, err := a.catchUp(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "entry %d records that %s continues %s, whose witnessed checkpoint of %d entries this ledger no longer extends\n", r.Seq, el.Origin(), cp.Origin, cp.Size)
	return nil
}

// checkLoss checks, on the ledger as it is, that kept is a checkpoint it
// signed (under any of its origins), that it no longer extends (entries
// were lost), and that the loss is not recorded yet.
func checkLoss(ctx context.Context, e *env, kept string) error {
	saved := e.cfg.LogOrigin
	e.cfg.LogOrigin = ""
	a, err := e.open(ctx)
	e.cfg.LogOrigin = saved
	if err != nil {
		return err
	}
	defer a.close()
	el := a.ledger.(*embedded.Ledger)
	cp, err := embedded.ParseCheckpoint(kept, el.VerifierKeys())
	if err != nil {
		return fmt.Errorf("--after-loss: not a checkpoint this ledger signed: %w", err)
	}
	if err := el.CheckTrusted(ctx, kept); err == nil {
		return fmt.Errorf("--after-loss: the ledger still extends that checkpoint of %d entries: nothing was lost", cp.Size)
	}
	if _, err := a.ledger.State(ctx, contract.PrefixLogOrigin+cp.Origin); err == nil {
		return fmt.Errorf("--after-loss: the continuation of %s is already recorded", cp.Origin)
	}
	return nil
}

// cmdRecover brings back the entries a rolled-back ledger lost (an older
// backup was restored, and witnesses stop writes because they cosigned a
// larger log) from another copy of the same log that has them: a
// replica's database, a newer backup, the database before the restore.
// The copy, --from-db, is only read. Its checkpoints must be signed with
// this ledger's key and its tree must extend this ledger's; everything is
// checked before the one transaction that adds the missing entries
// commits, and the whole ledger is verified after it (embedded.Recover).
// The read model is then brought up to date. Stop the server first: it
// would keep serving the rolled-back log until restarted.
func cmdRecover(ctx context.Context, e *env, args []string) error {
	var from, mirror, token string
	if err := e.parse("ledger recover", args, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from-db", "", "database `URL` of another copy of this log that has the missing entries (only read)")
		fs.StringVar(&mirror, "from", "", "`URL` of another Plumbline server publishing this log (a replica or a mirror): its tiles, entry bundles and proofs")
		fs.StringVar(&token, "token", "", "with --from: an authority's API `TOKEN` on that server, for private entries and the openings of private fields")
	}); err != nil {
		return err
	}
	switch {
	case from != "" && mirror != "":
		return fmt.Errorf("%w: plumbline ledger recover: give --from-db or --from, not both", errUsage)
	case from == "" && mirror == "":
		return fmt.Errorf("%w: plumbline ledger recover --from-db URL | --from URL [--token TOKEN]: name the database of a copy of this log that has the missing entries (sqlite://PATH or postgres://…), or a server publishing it", errUsage)
	case token != "" && mirror == "":
		return fmt.Errorf("%w: --token goes with --from", errUsage)
	}
	if e.cfg.Ledger == "fabric" {
		return fmt.Errorf("%w: recover belongs to the embedded ledger; on Fabric the peers hold the ledger", errUsage)
	}
	if mirror != "" {
		return recoverFromMirror(ctx, e, mirror, token)
	}
	if _, err := dbx.Dialect(from); err != nil {
		return fmt.Errorf("%w: --from-db: %v", errUsage, err)
	}
	shown := redactURL(from)
	if path, ok := strings.CutPrefix(from, "sqlite://"); ok {
		// dbx.Open would create a missing file: an empty copy.
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("--from-db: %w", err)
		}
	}
	other, err := dbx.Open(from)
	if err != nil {
		return fmt.Errorf("--from-db %s: %w", shown, err)
	}
	defer dbx.Close(other)
	// The ledger is not open while the copy goes in: an open one keeps its
	// head in memory (see embedded.Recover).
	db, err := dbx.Open(e.cfg.DB)
	if err != nil {
		return err
	}
	rep, err := embedded.Recover(ctx, embedded.RecoverOptions{
		DB: db, KeyDir: filepath.Join(e.cfg.DataDir, "keys"), From: other,
		Progress: e.progress("recover"), VerifyProgress: e.progress("verify ledger"),
	})
	_ = dbx.Close(db)
	return recovered(ctx, e, shown, rep, err)
}

// recoverFromMirror is plumbline ledger recover --from URL.
func recoverFromMirror(ctx context.Context, e *env, mirror, token string) error {
	u, err := url.Parse(mirror)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: --from %q: give the server's address, such as https://plumbline.example.com", errUsage, mirror)
	}
	shown := u.Redacted()
	db, err := dbx.Open(e.cfg.DB)
	if err != nil {
		return err
	}
	rep, err := embedded.RecoverFromMirror(ctx, embedded.MirrorOptions{
		DB: db, KeyDir: filepath.Join(e.cfg.DataDir, "keys"), URL: mirror, Token: token,
		Progress: e.progress("recover"), VerifyProgress: e.progress("verify ledger"),
	})
	_ = dbx.Close(db)
	return recovered(ctx, e, shown, rep, err)
}

// recovered reports a recovery from shown and brings the read model up
// to date.
func recovered(ctx context.Context, e *env, shown string, rep embedded.RecoverReport, err error) error {
	switch {
	case errors.Is(err, embedded.ErrForked):
		return fmt.Errorf("refused, %s has another history than this ledger: %w; recover from another copy, or start a new log origin (README, Trust)", shown, err)
	case errors.Is(err, embedded.ErrNotThisLog):
		return fmt.Errorf("refused, %s is %w (is PLUMBLINE_DATA the key folder of this ledger?)", shown, err)
	case err != nil:
		return fmt.Errorf("recover from %s: %w", shown, err)
	}
	fmt.Fprintf(e.stdout, "recovered entries %d..%d from %s (%d checkpoints, %d certificates, %d idempotency keys)\n",
		rep.From, rep.To, shown, rep.Checkpoints, rep.Certificates, rep.IdemKeys)
	if rep.Origins != nil {
		fmt.Fprintf(e.stdout, "the copy signed under origins this ledger had not recorded; its origins are now %s (it signs as %s)\n",
			strings.Join(rep.Origins, ", "), rep.Origins[len(rep.Origins)-1])
	}
	v := rep.Verify
	fmt.Fprintf(e.stdout, "verify: ok: %d entries, %d checkpoints and %d state keys verified; root %x at size %d\n",
		v.Entries, v.Checkpoints, v.StateKeys, v.Checkpoint.Root, v.Checkpoint.Size)
	a, err := e.open(ctx)
	if err != nil {
		return fmt.Errorf("the ledger is recovered, but opening it to bring the read model up to date failed: %w", err)
	}
	defer a.close()
	head, err := a.catchUp(ctx)
	if err != nil {
		return fmt.Errorf("the ledger is recovered, but bringing the read model up to date failed (plumbline reindex rebuilds it): %w", err)
	}
	fmt.Fprintf(e.stdout, "read model up to date at entry %d\n", head)
	return nil
}

// redactURL returns a database URL without its password, for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the --from-db database"
	}
	return u.Redacted()
}

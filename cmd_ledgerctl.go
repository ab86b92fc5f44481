package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/plumbline/plumbline/ledger/embedded"
)

// cmdLedger runs the embedded ledger's maintenance subcommands:
//
//	plumbline ledger set-origin ORIGIN   sign checkpoints under a new log origin
func cmdLedger(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: plumbline ledger needs a subcommand: set-origin", errUsage)
	}
	switch args[0] {
	case "set-origin":
		return cmdSetOrigin(ctx, e, args[1:])
	default:
		return fmt.Errorf("%w: unknown subcommand %q of plumbline ledger; subcommands: set-origin", errUsage, args[0])
	}
}

// cmdSetOrigin changes the log origin the embedded ledger signs its
// checkpoints under. The key stays; the latest checkpoint is re-signed
// under the new name and older ones keep verifying. Stop the server first.
func cmdSetOrigin(ctx context.Context, e *env, args []string) error {
	var origin string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		origin, args = args[0], args[1:]
	}
	if err := e.parse("ledger set-origin", args, func(fs *flag.FlagSet) {}); err != nil {
		return err
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
	e.cfg.LogOrigin, e.changeOrigin = origin, true
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	el := a.ledger.(*embedded.Ledger)
	fmt.Fprintf(e.stdout, "the ledger signs its checkpoints as %s\nverifier key: %s\ntell every witness the new origin and key (plumbline witness add-log --origin %s --key …)\n", el.Origin(), el.VerifierKey(), el.Origin())
	return nil
}

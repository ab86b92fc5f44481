// Command plumbline is the construction supply-chain traceability server:
// one binary with an embedded, signed, append-only ledger.
//
//	plumbline [serve] [--demo]   run the server (the default)
//	plumbline demo [--events N]  write the demo consortium and its history
//	plumbline verify             check the whole ledger and the read model
//	plumbline reindex            drop and rebuild the read model from the ledger
//	plumbline healthcheck        probe a running server's /healthz (for containers)
//	plumbline ledger set-origin  sign checkpoints under a new log origin
//	plumbline ledger recover --from-db URL | --from URL [--token TOKEN]
//	                             bring back the entries a restored backup lost
//	                             from another copy of the log, or from another
//	                             server's tiles and entry bundles
//	plumbline verify-proof FILE  check an entry's offline proof (C2SP tlog-proof)
//	plumbline witness serve|add-log|list-logs|key
//	                             a C2SP tlog witness for other organizations' logs
//
// Configuration comes from PLUMBLINE_* environment variables, overridden by
// flags; see README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// exitUsage is the exit code for bad configuration or usage.
const exitUsage = 2

// errUsage marks errors that exit with exitUsage.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	commands := map[string]func(context.Context, *env, []string) error{
		"serve":       cmdServe,
		"demo":        cmdDemo,
		"verify":      cmdVerify,
		"reindex":     cmdReindex,
		"healthcheck": cmdHealthcheck,
		"ledger":      cmdLedger,
		"witness":     cmdWitness,

		// Offline: no configuration, no database.
		"verify-proof": cmdVerifyProof,
	}
	fn, ok := commands[cmd]
	if cmd == "help" || cmd == "-h" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if !ok {
		fmt.Fprintf(stderr, "plumbline: unknown command %q; commands: serve, demo, verify, reindex, healthcheck, ledger, witness, verify-proof\n", cmd)
		return exitUsage
	}
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr}
	if err := fn(ctx, e, args); err != nil {
		fmt.Fprintf(stderr, "plumbline %s: %v\n", cmd, err)
		if errors.Is(err, errUsage) {
			return exitUsage
		}
		return 1
	}
	return 0
}

const usage = `plumbline — construction supply-chain traceability

Usage:
  plumbline [serve] [--demo]     run the server (default command)
  plumbline demo [--events N]    write the demo consortium and its history
  plumbline verify               check the whole ledger and the read model
  plumbline reindex              drop and rebuild the read model from the ledger
  plumbline healthcheck          probe a running server's /healthz
  plumbline ledger set-origin O  sign checkpoints under a new log origin O
  plumbline ledger recover --from-db URL | --from URL [--token TOKEN]
                                 bring back the entries a restored backup lost
                                 from another copy of the log, or from another
                                 server publishing it (stop the server)
  plumbline witness serve|add-log|list-logs|key
                                 a C2SP tlog witness for other logs' checkpoints
                                 (plumbline witness help)
  plumbline verify-proof FILE --key VKEY [--witness VKEY]... [--quorum N]
                                 check an entry's offline proof (C2SP tlog-proof)
                                 without a server (plumbline verify-proof -h)

Every command but witness and verify-proof takes --db, --data; serve takes --addr and --base-url.
Environment: PLUMBLINE_DB, PLUMBLINE_DATA, PLUMBLINE_ADDR, PLUMBLINE_BASE_URL,
PLUMBLINE_LOG_LEVEL, PLUMBLINE_DEMO_SEED, PLUMBLINE_LOG_ORIGIN,
PLUMBLINE_WITNESSES, PLUMBLINE_WITNESS_QUORUM. See README.md.
`

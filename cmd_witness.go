package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/plumbline/plumbline/internal/witness"
)

const witnessUsage = `plumbline witness — a C2SP tlog witness (c2sp.org/tlog-witness) for other logs

Usage:
  plumbline witness serve --dir DIR [--name NAME] [--listen 127.0.0.1:7380]
      serve POST /add-checkpoint; the first start creates the witness key
      for NAME in DIR (later starts read the name from it)
  plumbline witness add-log --dir DIR --origin ORIGIN --key VKEY
      witness a log, or accept one more key for it: VKEY is the log's
      Ed25519 signed-note verifier key, named ORIGIN
  plumbline witness list-logs --dir DIR
      the logs, the latest size and root cosigned for each, and their keys
  plumbline witness key --dir DIR [--name NAME]
      print the witness's verifier key (for the logs' configuration),
      creating the key for NAME if DIR has none

DIR holds witness.key (mode 0600) and witness.db.
Environment: PLUMBLINE_WITNESS_DIR, PLUMBLINE_WITNESS_NAME,
PLUMBLINE_WITNESS_LISTEN, PLUMBLINE_LOG_LEVEL.
`

// cmdWitness runs a witness subcommand: serve, add-log, list-logs or key.
// The witness is separate from the traceability server: its own folder,
// key and database, none of the server's configuration.
func cmdWitness(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: give a witness command: serve, add-log, list-logs or key (plumbline witness help)", errUsage)
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "serve":
		return witnessServe(ctx, e, args)
	case "add-log":
		return witnessAddLog(ctx, e, args)
	case "list-logs":
		return witnessListLogs(ctx, e, args)
	case "key":
		return witnessKey(e, args)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, witnessUsage)
		return nil
	}
	return fmt.Errorf("%w: unknown witness command %q; witness commands: serve, add-log, list-logs, key", errUsage, sub)
}

// witnessFlags are the witness commands' settings.
type witnessFlags struct {
	dir, name, listen, origin, key string
}

// parseWitness parses a witness command's flags: --dir and --log-level
// always, and those the command names among name, listen, origin and key.
// PLUMBLINE_WITNESS_* variables are the defaults. It sets e.log.
func (e *env) parseWitness(cmd string, args []string, flags ...string) (witnessFlags, error) {
	f := witnessFlags{
		dir:    e.getenv("PLUMBLINE_WITNESS_DIR"),
		name:   e.getenv("PLUMBLINE_WITNESS_NAME"),
		listen: or(e.getenv("PLUMBLINE_WITNESS_LISTEN"), "127.0.0.1:7380"),
	}
	logLevel := or(e.getenv("PLUMBLINE_LOG_LEVEL"), "info")
	fs := flag.NewFlagSet("witness "+cmd, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&f.dir, "dir", f.dir, "folder of the witness key and database (PLUMBLINE_WITNESS_DIR)")
	fs.StringVar(&logLevel, "log-level", logLevel, "debug, info, warn or error (PLUMBLINE_LOG_LEVEL)")
	for _, name := range flags {
		switch name {
		case "name":
			fs.StringVar(&f.name, "name", f.name, "the witness name, e.g. witness.example.com, fixed when the key is created (PLUMBLINE_WITNESS_NAME)")
		case "listen":
			fs.StringVar(&f.listen, "listen", f.listen, "HTTP listen address (PLUMBLINE_WITNESS_LISTEN)")
		case "origin":
			fs.StringVar(&f.origin, "origin", "", "the log's origin, the first line of its checkpoints")
		case "key":
			fs.StringVar(&f.key, "key", "", "the log's signed-note verifier key, named after its origin")
		}
	}
	if err := fs.Parse(args); err != nil {
		return f, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	var missing []string
	for _, req := range []struct{ flag, value string }{{"dir", f.dir}, {"origin", f.origin}, {"key", f.key}} {
		if req.value == "" && fs.Lookup(req.flag) != nil {
			missing = append(missing, "--"+req.flag)
		}
	}
	if len(missing) > 0 {
		return f, fmt.Errorf("%w: witness %s needs %s", errUsage, cmd, strings.Join(missing, " and "))
	}
	if f.name != "" && fs.Lookup("name") != nil {
		if err := witness.CheckName(f.name); err != nil {
			return f, fmt.Errorf("%w: --name: %v", errUsage, err)
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return f, fmt.Errorf("%w: --log-level %q is not one of debug, info, warn, error", errUsage, logLevel)
	}
	e.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	return f, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// openWitnessKey opens the key in f.dir, creating it for f.name; a missing
// name or another name than the key's is a usage error.
func openWitnessKey(e *env, f witnessFlags) (*witness.Key, error) {
	key, created, err := witness.OpenKey(f.dir, f.name)
	if errors.Is(err, witness.ErrNoKey) || errors.Is(err, witness.ErrOtherName) {
		return nil, fmt.Errorf("%w: %v", errUsage, strings.Replace(err.Error(), "give the witness a name", "give --name", 1))
	}
	if err != nil {
		return nil, err
	}
	if created {
		e.log.Info("created the witness key", "path", filepath.Join(f.dir, witness.KeyFile), "name", key.Name())
	}
	return key, nil
}

// witnessServe runs the witness's HTTP server until ctx ends, then lets
// requests in flight finish.
func witnessServe(ctx context.Context, e *env, args []string) error {
	f, err := e.parseWitness("serve", args, "name", "listen")
	if err != nil {
		return err
	}
	key, err := openWitnessKey(e, f)
	if err != nil {
		return err
	}
	st, err := witness.OpenStore(filepath.Join(f.dir, witness.DBFile))
	if err != nil {
		return err
	}
	defer st.Close()
	if logs, err := st.Logs(ctx); err != nil {
		return err
	} else if len(logs) == 0 {
		e.log.Warn("no logs to witness yet; add one with plumbline witness add-log")
	}
	fmt.Fprintf(e.stdout, "witness verifier key: %s\n", key.VerifierKey())
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	srv := &http.Server{
		Handler:           witness.New(st, key, e.log),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(e.stdout, "witness %s listening on %s\n", key.Name(), ln.Addr())
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	e.log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// witnessAddLog registers a log, or one more key for it.
func witnessAddLog(ctx context.Context, e *env, args []string) error {
	f, err := e.parseWitness("add-log", args, "origin", "key")
	if err != nil {
		return err
	}
	if _, err := witness.CheckLogKey(f.origin, f.key); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	st, err := witness.OpenStore(filepath.Join(f.dir, witness.DBFile))
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := st.AddLog(ctx, f.origin, f.key)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "log %s: size %d, %d key(s)\n", l.Origin, l.Size, len(l.Keys))
	return nil
}

// witnessListLogs prints the witnessed logs.
func witnessListLogs(ctx context.Context, e *env, args []string) error {
	f, err := e.parseWitness("list-logs", args)
	if err != nil {
		return err
	}
	path := filepath.Join(f.dir, witness.DBFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no witness database in %s (plumbline witness add-log creates it)", f.dir)
	}
	st, err := witness.OpenStore(path)
	if err != nil {
		return err
	}
	defer st.Close()
	logs, err := st.Logs(ctx)
	if err != nil {
		return err
	}
	for _, l := range logs {
		fmt.Fprintf(e.stdout, "%s\tsize %d\troot %s\n", l.Origin, l.Size, l.Root)
		for _, k := range l.Keys {
			fmt.Fprintf(e.stdout, "\tkey %s\n", k)
		}
	}
	if len(logs) == 0 {
		fmt.Fprintln(e.stdout, "no logs")
	}
	return nil
}

// witnessKey prints the witness's verifier key, creating the key if the
// folder has none.
func witnessKey(e *env, args []string) error {
	f, err := e.parseWitness("key", args, "name")
	if err != nil {
		return err
	}
	key, err := openWitnessKey(e, f)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, key.VerifierKey())
	return nil
}

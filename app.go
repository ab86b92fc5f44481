package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"
	"gorm.io/gorm"

	"github.com/plumbline/plumbline/internal/config"
	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/projector"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/ledger/fabric"
)

// env is what every command starts from: the process environment and its
// output streams, then the validated configuration.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	cfg            config.Config
	log            *slog.Logger
	// changeOrigin lets the configured log origin replace the ledger's
	// (plumbline ledger set-origin).
	changeOrigin bool
}

// parse loads the configuration, applies the common flags and the
// command's own, and validates the result. Problems wrap errUsage.
func (e *env) parse(name string, args []string, own func(fs *flag.FlagSet)) error {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database URL: sqlite://PATH or postgres://… (PLUMBLINE_DB)")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "folder for keys and files (PLUMBLINE_DATA)")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "HTTP listen address (PLUMBLINE_ADDR)")
	fs.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "public base URL used in QR codes (PLUMBLINE_BASE_URL)")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error (PLUMBLINE_LOG_LEVEL)")
	if own != nil {
		own(fs)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: bad configuration: %s", errUsage, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	e.cfg = cfg
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	e.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

// app is the wired system: database, ledger, read model and projector.
type app struct {
	db     *gorm.DB
	ledger ledger.Ledger
	store  *store.Store
	proj   *projector.Projector
}

// open wires the system from the configuration.
func (e *env) open(ctx context.Context) (*app, error) {
	db, err := dbx.Open(e.cfg.DB)
	if err != nil {
		return nil, err
	}
	l, err := e.openLedger(ctx, db)
	if err != nil {
		_ = dbx.Close(db)
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		_ = l.Close()
		_ = dbx.Close(db)
		return nil, fmt.Errorf("open read model: %w", err)
	}
	return &app{db: db, ledger: l, store: st, proj: projector.New(st, l, e.log)}, nil
}

// openLedger opens the configured ledger backend. The read model stays in
// the database either way; with Fabric the ledger itself is the channel,
// and only the event index (which block holds which sequence number) is
// kept locally.
func (e *env) openLedger(ctx context.Context, db *gorm.DB) (ledger.Ledger, error) {
	if e.cfg.Ledger != "fabric" {
		origin, explicit, loopback := e.cfg.LogOriginOrDefault()
		opts := embedded.Options{
			DB:           db,
			KeyDir:       filepath.Join(e.cfg.DataDir, "keys"),
			Now:          time.Now,
			Logger:       e.log,
			ChangeOrigin: e.changeOrigin,
		}
		if explicit {
			opts.Origin = origin
		} else {
			opts.DefaultOrigin = origin
		}
		l, err := embedded.Open(ctx, opts)
		if err == nil && loopback && l.Origin() == origin {
			e.log.Warn("the ledger's log origin names a loopback host, which witnesses cannot tell apart from other installations; set PLUMBLINE_LOG_ORIGIN (or PLUMBLINE_BASE_URL) and run `plumbline ledger set-origin` before asking witnesses to cosign", "origin", origin)
		}
		return l, err
	}
	f := e.cfg.Fabric
	index := f.IndexPath
	if index == "" {
		index = filepath.Join(e.cfg.DataDir, "fabric-index")
	}
	if err := os.MkdirAll(filepath.Dir(index), 0o700); err != nil {
		return nil, fmt.Errorf("folder of the Fabric event index: %w", err)
	}
	return fabric.Open(ctx, fabric.Config{
		MSPID: f.MSPID, CertPath: f.Cert, KeyPath: f.Key, TLSCACertPath: f.TLSCA,
		PeerEndpoint: f.Peer, PeerHostOverride: f.PeerHost, Channel: f.Channel, Chaincode: f.Chaincode,
		OrgMSPs: f.OrgMSPs, IndexPath: index, Logger: e.log,
	})
}

// checkCommitted compares the read model with the world state that the
// ledger's committed events write, up to the current head: what verify can
// check on Fabric, where the peers validate every block and its hash chain
// and this server holds no copy of the ledger to verify.
func (a *app) checkCommitted(ctx context.Context) (uint64, error) {
	head, err := a.ledger.Head(ctx)
	if err != nil {
		return 0, err
	}
	state := contract.NewMemState()
	if head > 0 {
		done := errors.New("done")
		err = a.ledger.Events(ctx, 0, func(ev ledger.Event) error {
			for _, w := range ev.Writes {
				if err := state.Put(w.Key, w.Value); err != nil {
					return err
				}
			}
			if ev.Seq >= head {
				return done
			}
			return nil
		})
		if !errors.Is(err, done) {
			return 0, fmt.Errorf("read committed events: %w", err)
		}
	}
	if err := a.catchUpTo(ctx, head); err != nil {
		return 0, fmt.Errorf("bring read model up to date: %w", err)
	}
	return head, a.store.Check(ctx, head, state.All())
}

// close releases everything open opened.
func (a *app) close() error {
	return errors.Join(a.ledger.Close(), dbx.Close(a.db))
}

// catchUp applies every committed event to the read model and returns the
// ledger head it reached.
func (a *app) catchUp(ctx context.Context) (uint64, error) {
	head, err := a.ledger.Head(ctx)
	if err != nil {
		return 0, err
	}
	return head, a.catchUpTo(ctx, head)
}

// catchUpTo runs the projector until the read model has applied seq.
func (a *app) catchUpTo(ctx context.Context, seq uint64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.proj.Run(ctx) }()
	werr := a.proj.WaitFor(ctx, seq)
	cancel()
	if rerr := <-done; rerr != nil && !errors.Is(rerr, context.Canceled) {
		return rerr
	}
	return werr
}

// status prints a line about long work to a terminal, and nothing otherwise.
func (e *env) status(msg string) {
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintln(f, msg)
	}
}

// progress returns a progress callback that redraws one line on a terminal
// and stays silent otherwise.
func (e *env) progress(label string) func(done, total uint64) {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(uint64, uint64) {}
	}
	var last time.Time
	return func(done, total uint64) {
		if done != total && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		pct := 100.0
		if total > 0 {
			pct = float64(done) * 100 / float64(total)
		}
		fmt.Fprintf(f, "\r%s %5.1f%% (%d/%d)", label, pct, done, total)
		if done == total {
			fmt.Fprintln(f)
		}
	}
}

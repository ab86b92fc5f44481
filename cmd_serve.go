package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	usecases "github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/config"
	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/internal/jobs"
	"github.com/plumbline/plumbline/internal/webhook"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
	"github.com/plumbline/plumbline/server"
)

// cmdServe runs the HTTP server until ctx ends, then shuts down gracefully,
// in this order: the HTTP server stops accepting and in-flight requests
// finish; running jobs (imports, captures, a verification) get a grace
// period to finish and are then stopped at a safe boundary; the webhook
// worker and the late-result sweep stop; the projector stops; the ledger
// closes.
func cmdServe(ctx context.Context, e *env, args []string) error {
	var withDemo bool
	if err := e.parse("serve", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&withDemo, "demo", false, "load the demo data when the ledger is empty")
	}); err != nil {
		return err
	}
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer a.close()

	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", e.cfg.Addr, err)
	}
	// Listen at once: while the demo loads, a page says so (startGate).
	gate := &startGate{}
	srv := &http.Server{
		Handler:           gate,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	defer func() {
		// Stop accepting (and finish in-flight requests) before anything
		// below it closes; a second Shutdown after the first is harmless.
		shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutCtx)
	}()
	projCtx, stopProj := context.WithCancel(context.Background())
	projDone := make(chan struct{})
	go func() {
		defer close(projDone)
		keepProjecting(projCtx, e, a)
	}()
	defer func() {
		stopProj()
		<-projDone
	}()

	fs, err := files.Open(filepath.Join(e.cfg.DataDir, "files"))
	if err != nil {
		return err
	}
	if withDemo {
		head, err := a.ledger.Head(ctx)
		if err != nil {
			return err
		}
		if head == 0 {
			fmt.Fprintf(e.stdout, "loading demo data… (the server at %s says so until it is ready)\n", e.cfg.PublicBaseURL())
			show := intProgress(e.progress("demo"))
			sum, err := demo.Generate(ctx, a.ledger, demo.Options{Seed: e.cfg.DemoSeed, Progress: func(done, total int) { show(done, total); gate.progress(done, total) },
				// Date the history so it ends this week: the dashboards'
				// "this week" and "last 30 days" figures then show something.
				Start: demo.RecentStart(e.cfg.DemoSeed, time.Now()),
				// The certificates' and reports' bytes, so they download.
				Files: fs})
			if err != nil {
				return fmt.Errorf("demo data: %w", err)
			}
			fmt.Fprintf(e.stdout, "demo data loaded: %s\n", sum)
		}
	}

	accounts, err := auth.Open(ctx, a.db, auth.Options{Logger: e.log})
	if err != nil {
		return fmt.Errorf("open accounts: %w", err)
	}
	if withDemo {
		n, err := accounts.SeedDemo(ctx, demo.Users(), e.cfg.DemoPassword)
		if err != nil {
			return fmt.Errorf("demo accounts: %w", err)
		}
		printDemoAccounts(e, n)
	}
	// The job table every long-running job of a request runs in; it is
	// shut down after the HTTP server and before the ledger closes.
	table := jobs.New(jobs.Options{})
	cosigner, err := e.cosigner(a.ledger)
	if err != nil {
		return err
	}
	uc := usecases.New(usecases.Options{Ledger: a.ledger, Store: a.store, Projector: a.proj, Files: fs, Accounts: accounts, Logger: e.log, Jobs: table,
		BaseURL: e.cfg.PublicBaseURL(), Cosigner: cosigner})
	hooks := webhook.Options{AllowPrivate: e.cfg.WebhookAllowPrivate}
	opts := server.Options{
		Ledger: a.ledger, Store: a.store, Projector: a.proj, Accounts: accounts, Files: fs,
		BaseURL: e.cfg.PublicBaseURL(), LedgerKind: e.cfg.Ledger, Logger: e.log,
		Webhooks: hooks, App: uc,
	}
	if opts.LabelFont, err = labelFont(e); err != nil {
		return err
	}
	if vk, ok := a.ledger.(ledger.VerifierKeyer); ok {
		opts.VerifierKey = vk.VerifierKey()
	}
	if v, ok := a.ledger.(ledger.Verifier); ok {
		opts.Verify = func(ctx context.Context, progress func(done, total uint64)) (ledger.Checkpoint, uint64, error) {
			rep, err := v.VerifyAll(ctx, progress)
			return rep.Checkpoint, rep.Entries, err
		}
	}
	web, err := server.New(opts)
	if err != nil {
		return err
	}
	if o, ok := a.ledger.(ledger.CommitObserver); ok {
		o.SetCommitObserver(web.CommitObserver())
	}
	// Webhook deliveries and the late-result sweep run beside the HTTP
	// server and stop before the ledger closes.
	bgCtx, stopBg := context.WithCancel(context.Background())
	var bg sync.WaitGroup
	bg.Go(func() { webhook.NewWorker(a.store, e.cfg.PublicBaseURL(), nil, e.log, hooks).Run(bgCtx) })
	bg.Go(func() { uc.RunLateSweep(bgCtx, 0) })
	if cosigner != nil {
		bg.Go(func() { cosigner.Run(bgCtx) })
	}
	defer func() {
		stopBg()
		bg.Wait()
	}()
	// Deferred after the background work, so it runs before it stops.
	defer func() {
		if err := table.Close(jobs.DefaultGrace); err != nil {
			e.log.Warn("jobs interrupted at shutdown; sending the same file or document again finishes them", "err", err)
		}
	}()
	gate.open(web.Handler())
	if server.IsLoopbackURL(e.cfg.PublicBaseURL()) {
		e.log.Warn("the public URL names this machine only: QR codes on printed labels will not open on a phone; set PLUMBLINE_BASE_URL to an address phones on site can reach", "base_url", e.cfg.PublicBaseURL())
	}
	fmt.Fprintf(e.stdout, "Plumbline listening on %s (public URL %s; ledger: %s, database: %s)\n", ln.Addr(), e.cfg.PublicBaseURL(), e.cfg.Ledger, e.cfg.DB)

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	e.log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// labelFont reads the TrueType font for label sheets: PLUMBLINE_LABEL_FONT,
// or the first CJK font found on the system; none means Latin-only labels.
func labelFont(e *env) ([]byte, error) {
	paths := config.LabelFonts
	if e.cfg.LabelFont != "" {
		paths = []string{e.cfg.LabelFont}
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err == nil {
			e.log.Debug("label font", "path", p)
			return b, nil
		}
		if e.cfg.LabelFont != "" {
			return nil, fmt.Errorf("label font: %w", err)
		}
	}
	e.log.Warn("no CJK font for labels; Chinese names print as '?' (install fonts-droid-fallback or set PLUMBLINE_LABEL_FONT)")
	return nil, nil
}

// printDemoAccounts lists the demo logins, one per role per organization.
func printDemoAccounts(e *env, created int) {
	fmt.Fprintf(e.stdout, "demo accounts (password %q", e.cfg.DemoPassword)
	if created > 0 {
		fmt.Fprintf(e.stdout, "; %d created", created)
	}
	fmt.Fprintln(e.stdout, "):")
	for _, o := range demo.Organizations() {
		fmt.Fprintf(e.stdout, "  %-52s", o.Name)
		for _, r := range models.Roles {
			fmt.Fprintf(e.stdout, " %s", demo.UserID(o.ID, r))
		}
		fmt.Fprintln(e.stdout)
	}
}

// keepProjecting runs the projector until ctx ends. A failure (the database
// briefly unreachable, say) is logged at once and the projector restarts
// from its checkpoint after a growing pause, so the read model catches up
// again without a server restart.
func keepProjecting(ctx context.Context, e *env, a *app) {
	pause := time.Second
	for {
		err := a.proj.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		e.log.Error("projector stopped; restarting", "err", err, "in", pause)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// intProgress adapts a progress callback to int counts.
func intProgress(p func(done, total uint64)) func(done, total int) {
	return func(done, total int) { p(uint64(done), uint64(total)) }
}

// cmdHealthcheck probes a running server's /healthz, for container health checks.
func cmdHealthcheck(ctx context.Context, e *env, args []string) error {
	if err := e.parse("healthcheck", args, nil); err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(e.cfg.Addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("server unreachable: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("server unhealthy: %s", resp.Status)
	}
	fmt.Fprintln(e.stdout, "healthy")
	return nil
}

// cosigner makes the witnessing of the embedded ledger's checkpoints when
// witnesses are configured (PLUMBLINE_WITNESSES), or returns nil.
func (e *env) cosigner(l ledger.Ledger) (*cosign.Cosigner, error) {
	if len(e.cfg.Witnesses) == 0 {
		return nil, nil
	}
	log, ok := l.(cosign.Log)
	if !ok {
		return nil, fmt.Errorf("%w: PLUMBLINE_WITNESSES: witnesses cosign the embedded ledger's checkpoints; the %s ledger has none", errUsage, e.cfg.Ledger)
	}
	ws := make([]cosign.Witness, len(e.cfg.Witnesses))
	for i, w := range e.cfg.Witnesses {
		ws[i] = cosign.Witness{Key: w.Key, URL: w.URL}
	}
	c, err := cosign.New(log, cosign.Options{Witnesses: ws, Quorum: e.cfg.WitnessQuorum, Logger: e.log})
	if err != nil {
		return nil, fmt.Errorf("%w: PLUMBLINE_WITNESSES: %v", errUsage, err)
	}
	return c, nil
}

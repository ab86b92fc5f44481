// Package server is Plumbline's HTTP face: the gin engine, the one route
// table (routes.go), the HTML pages (page_*.go), the JSON API (api_*.go),
// sessions, CSRF and roles, and the one place where errors become HTTP
// statuses (errors.go).
package server

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/internal/importcsv"
	"github.com/plumbline/plumbline/internal/label"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/internal/webhook"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/templates"
)

// Projection is what the server needs of the projector: how far the read
// model has got, and a way to wait for a write to show up in it.
type Projection = app.Projection

// Options wires the server to its dependencies. Ledger, Store, Projector,
// Accounts and Files are required.
type Options struct {
	Ledger    ledger.Ledger
	Store     *store.Store
	Projector Projection
	Accounts  *auth.Accounts
	Files     *files.Store
	// BaseURL is the public URL QR codes point at (config.PublicBaseURL).
	BaseURL string
	// VerifierKey is the checkpoint verifier key the trace page checks
	// signatures with (embedded ledger only; empty on Fabric).
	VerifierKey string
	// LedgerKind is "embedded" or "fabric", shown on the trace page.
	LedgerKind string
	Logger     *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Registry receives the server's metrics; nil means a new registry.
	Registry *prometheus.Registry
	// WriteTimeout bounds how long a write waits for the ledger and the
	// read model; zero means 15 s.
	WriteTimeout time.Duration
	// Verify verifies the whole ledger for the dashboard's "verify now";
	// nil hides it (Fabric, where the peers validate every block).
	Verify VerifyFunc
	// LabelFont is a TrueType font for label sheets, so Chinese names
	// print; nil uses the PDF core font (Latin only).
	LabelFont []byte
	// Webhooks configures webhook delivery: the address rules for
	// registering endpoints (and Background's worker).
	Webhooks WebhookOptions
	// App runs the use cases; nil builds one over Ledger, Store,
	// Projector and Files with the same clock and write timeout.
	App *app.App
}

// Server holds the HTTP handler and its dependencies.
type Server struct {
	opts     Options
	engine   *gin.Engine
	pages    map[string]*template.Template
	cat      *i18n.Catalogue
	qr       *label.QR
	metrics  *metrics
	ops      []apiOp   // the documented API, in registration order
	secure   bool      // cookies get the Secure flag
	dash     dashState // the dashboards' "verify now" and cached aggregates (dash_cache.go)
	late     *lateResults
	app      *app.App      // the use cases every write goes through
	opTables *store.Ops    // the operational tables, read here, written through app
	evidence *evidenceArea // the ledger's evidence, with its proof cache

	parties *accessSource // what internal/access reads, each batch's parties cached

	// importHeaders are the import columns' names in every language
	// (lowercased), which imports accept beside the stable ones.
	importHeaders map[string]string

	openAPIOnce sync.Once // the OpenAPI document, built on first request
	openAPIDoc  []byte
	openAPIErr  error
}

// New builds the server and its routes. It fails if a template or the
// message catalogue does not parse.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 15 * time.Second
	}
	if opts.LedgerKind == "" {
		opts.LedgerKind = ledger.EvidenceMerkle
	}
	cat, err := i18n.Load(opts.Logger)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, cat: cat, qr: label.NewQR(4096), secure: isHTTPS(opts.BaseURL)}
	s.parties = newAccessSource(s)
	s.evidence = newEvidenceArea(s)
	s.app, s.opTables = opts.App, opts.Store.Ops()
	if s.app != nil && s.app.BaseURL() != opts.BaseURL {
		return nil, fmt.Errorf("the use cases build identifiers on %q, the server on %q: give both the same base URL", s.app.BaseURL(), opts.BaseURL)
	}
	if s.app == nil {
		s.app = app.New(app.Options{Ledger: opts.Ledger, Store: opts.Store, Projector: opts.Projector,
			Files: opts.Files, Accounts: opts.Accounts, BaseURL: opts.BaseURL, Logger: opts.Logger, WriteTimeout: opts.WriteTimeout,
			Now: func() time.Time { return s.opts.Now() }}) // the server's clock, which tests may set
	}
	s.dash.verify.wg.app = s.app
	s.late = &lateResults{s: s, sw: s.app.LateResults()}
	s.importHeaders = map[string]string{}
	for _, cols := range importcsv.Kinds {
		for _, col := range append(append([]string{}, cols.Required...), cols.Optional...) {
			for _, lang := range []string{"en", "zh-CN"} {
				if name := cat.Localizer(lang).T("csv.col." + col); name != "csv.col."+col {
					s.importHeaders[strings.ToLower(name)] = col
				}
			}
		}
	}
	if s.pages, err = templates.Parse(s.funcs()); err != nil {
		return nil, err
	}
	if s.metrics, err = newMetrics(opts.Registry); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	gin.SetMode(gin.ReleaseMode)
	s.engine = gin.New()
	s.engine.HandleMethodNotAllowed = true
	s.engine.Use(s.recover(), s.observe(), s.securityHeaders(), s.rejectNUL(), s.identify())
	s.engine.NoRoute(s.notFound)
	s.engine.NoMethod(s.noMethod)
	s.routes()
	return s, nil
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

func isHTTPS(base string) bool { return len(base) > 8 && base[:8] == "https://" }

// IsLoopbackURL reports whether a base URL names this machine only
// (localhost, 127.0.0.0/8, ::1): a phone cannot open it from a printed
// label.
func IsLoopbackURL(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// WebhookOptions configures webhook delivery (internal/webhook).
type WebhookOptions = webhook.Options

// Background runs the background work beside this server until ctx is
// done: the webhook delivery worker (internal/webhook) and the sweep that
// opens the case a late failing test result should have opened
// (internal/app/late_results.go). It returns when both have stopped.
// cmd_serve starts and stops the two itself; Background serves tests that
// drive a server alone.
func (s *Server) Background(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		webhook.NewWorker(s.opts.Store, s.opts.BaseURL, s.opts.Now, s.opts.Logger, s.opts.Webhooks).Run(ctx)
	}()
	go func() { defer wg.Done(); s.late.run(ctx) }()
	wg.Wait()
}

// A failing late test result opens its case in internal/app
// (late_results.go): right after the inspection commits, and in a sweep
// that cmd_serve runs beside the HTTP server.

// lateResults forwards to the late-result sweep of internal/app, which
// Background and the tests run. A lateResults made without a sweeper gets
// a fresh one, as a restarted server does.
type lateResults struct {
	s  *Server
	sw *app.LateResults
}

func (l *lateResults) sweeper() *app.LateResults {
	if l.sw == nil {
		l.sw = l.s.app.NewLateResults()
	}
	return l.sw
}

// sweep opens every case a late failing result should have opened.
func (l *lateResults) sweep(ctx context.Context) (int, error) { return l.sweeper().Sweep(ctx) }

// run sweeps at start and every few minutes until ctx is done.
func (l *lateResults) run(ctx context.Context) { l.sweeper().Run(ctx, 0) }

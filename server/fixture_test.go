package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/internal/projector"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/embedded"
)

// demoPassword is every fixture account's password.
const demoPassword = "plumbline-demo"

// fixture is the whole system on a fresh SQLite file: embedded ledger,
// read model with a running projector, accounts for every demo user, the
// file store and the server behind a real HTTP listener.
type fixture struct {
	t        testing.TB
	dir      string
	ledger   *embedded.Ledger
	store    *store.Store
	proj     *projector.Projector
	accounts *auth.Accounts
	files    *files.Store
	srv      *Server
	http     *httptest.Server
	URL      string
	logs     *logCapture      // warnings and errors the system logged
	cosigner *cosign.Cosigner // witnessing, with withWitness
}

// fixtureConfig is what fixtureOptions set.
type fixtureConfig struct {
	ledger  []func(*embedded.Options)
	witness bool
}

// fixtureOption changes how newFixtureOn builds the system.
type fixtureOption func(*fixtureConfig)

// withLedger changes the embedded ledger's options.
func withLedger(f func(*embedded.Options)) fixtureOption {
	return func(c *fixtureConfig) { c.ledger = append(c.ledger, f) }
}

// withWitness runs a plumbline witness for the ledger and the server's
// witnessing of it (startWitnessing).
func withWitness() fixtureOption { return func(c *fixtureConfig) { c.witness = true } }

// logCapture keeps the warnings and errors logged during a test, so tests
// can assert that a crawl logged none (a missing translation, a 500).
type logCapture struct {
	next slog.Handler
	mu   sync.Mutex
	recs []string
}

func (l *logCapture) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }

func (l *logCapture) Handle(ctx context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	l.mu.Lock()
	l.recs = append(l.recs, b.String())
	l.mu.Unlock()
	return l.next.Handle(ctx, r)
}

func (l *logCapture) WithAttrs(as []slog.Attr) slog.Handler {
	return &logAttrs{l: l, attrs: as}
}

func (l *logCapture) WithGroup(string) slog.Handler { return l }

// take returns and forgets what was logged so far.
func (l *logCapture) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.recs
	l.recs = nil
	return r
}

// logAttrs is a logCapture with attributes fixed by WithAttrs.
type logAttrs struct {
	l     *logCapture
	attrs []slog.Attr
}

func (a *logAttrs) Enabled(ctx context.Context, lv slog.Level) bool { return a.l.Enabled(ctx, lv) }
func (a *logAttrs) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(a.attrs...)
	return a.l.Handle(ctx, r)
}
func (a *logAttrs) WithAttrs(as []slog.Attr) slog.Handler {
	return &logAttrs{l: a.l, attrs: append(append([]slog.Attr{}, a.attrs...), as...)}
}
func (a *logAttrs) WithGroup(string) slog.Handler { return a }

func TestMain(m *testing.M) {
	code := m.Run()
	if demoTemplate.dir != "" {
		os.RemoveAll(demoTemplate.dir)
	}
	os.Exit(code)
}

// demoTemplate is a database and key folder with the whole demo loaded,
// built once per test binary and copied for each fixture that wants it.
var demoTemplate struct {
	once sync.Once
	dir  string
	err  error
}

func buildDemoTemplate() (string, error) {
	demoTemplate.once.Do(func() {
		dir, err := os.MkdirTemp("", "plumbline-demo-template-")
		if err != nil {
			demoTemplate.err = err
			return
		}
		demoTemplate.dir = dir
		demoTemplate.err = func() error {
			ctx := context.Background()
			db, err := dbx.Open("sqlite://" + filepath.Join(dir, "plumbline.db"))
			if err != nil {
				return err
			}
			defer dbx.Close(db)
			l, err := embedded.Open(ctx, embedded.Options{DB: db, KeyDir: filepath.Join(dir, "keys")})
			if err != nil {
				return err
			}
			defer l.Close()
			fs, err := files.Open(filepath.Join(dir, "files"))
			if err != nil {
				return err
			}
			if _, err := demo.Generate(ctx, l, demo.Options{Seed: 7, Files: fs}); err != nil {
				return err
			}
			st, err := store.Open(ctx, db)
			if err != nil {
				return err
			}
			head, _ := l.Head(ctx)
			p := projector.New(st, l, nil)
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- p.Run(rctx) }()
			werr := p.WaitFor(ctx, head)
			cancel()
			<-done
			if werr != nil {
				return werr
			}
			a, err := auth.Open(ctx, db, auth.Options{HashParams: &auth.CheapParams})
			if err != nil {
				return err
			}
			_, err = a.SeedDemo(ctx, demo.Users(), demoPassword)
			if err != nil {
				return err
			}
			return db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
		}()
	})
	return demoTemplate.dir, demoTemplate.err
}

// newFixture starts the system on SQLite, with the demo data when withDemo
// is set and with an empty ledger otherwise.
func newFixture(t testing.TB, withDemo bool) *fixture {
	t.Helper()
	return newFixtureOn(t, dbx.SQLite, withDemo)
}

// newFixtureOn starts the system on a fresh database of the dialect
// (PostgreSQL: a new database on the test server, dropped afterwards; the
// demo data is then written through the ledger, not copied).
func newFixtureOn(t testing.TB, dialect string, withDemo bool, opts ...fixtureOption) *fixture {
	var cfg fixtureConfig
	for _, o := range opts {
		o(&cfg)
	}
	t.Helper()
	dir := t.TempDir()
	dbURL := "sqlite://" + filepath.Join(dir, "plumbline.db")
	if dialect == dbx.Postgres {
		dbURL = dbtest.URL(t, dbx.Postgres)
	}
	if withDemo && dialect == dbx.SQLite {
		tpl, err := buildDemoTemplate()
		if err != nil {
			t.Fatalf("demo template: %v", err)
		}
		if err := os.CopyFS(dir, os.DirFS(tpl)); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	db, err := dbx.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: dir}
	var out io.Writer = io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	f.logs = &logCapture{next: slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn})}
	logger := slog.New(f.logs)
	lo := embedded.Options{DB: db, KeyDir: filepath.Join(dir, "keys"), Logger: logger}
	for _, o := range cfg.ledger {
		o(&lo)
	}
	if f.ledger, err = embedded.Open(ctx, lo); err != nil {
		t.Fatal(err)
	}
	if f.store, err = store.Open(ctx, db); err != nil {
		t.Fatal(err)
	}
	f.proj = projector.New(f.store, f.ledger, logger)
	pctx, stop := context.WithCancel(ctx)
	pdone := make(chan struct{})
	go func() { defer close(pdone); _ = f.proj.Run(pctx) }()
	if f.accounts, err = auth.Open(ctx, db, auth.Options{HashParams: &auth.CheapParams}); err != nil {
		t.Fatal(err)
	}
	if !withDemo || dialect != dbx.SQLite {
		if _, err := f.accounts.SeedDemo(ctx, demo.Users(), demoPassword); err != nil {
			t.Fatal(err)
		}
	}
	if f.files, err = files.Open(filepath.Join(dir, "files")); err != nil {
		t.Fatal(err)
	}
	if withDemo && dialect != dbx.SQLite {
		if _, err := demo.Generate(ctx, f.ledger, demo.Options{Seed: 7, Files: f.files}); err != nil {
			t.Fatalf("demo data on %s: %v", dialect, err)
		}
	}
	f.http = httptest.NewUnstartedServer(nil)
	f.URL = "http://" + f.http.Listener.Addr().String()
	so := Options{
		Ledger: f.ledger, Store: f.store, Projector: f.proj, Accounts: f.accounts, Files: f.files,
		BaseURL: f.URL, VerifierKey: f.ledger.VerifierKey(), Logger: logger,
	}
	if cfg.witness {
		f.cosigner = startWitnessing(t, f)
		so.App = app.New(app.Options{Ledger: f.ledger, Store: f.store, Projector: f.proj, Files: f.files, Accounts: f.accounts,
			BaseURL: f.URL, Logger: logger, Cosigner: f.cosigner})
	}
	f.srv, err = New(so)
	if err != nil {
		t.Fatal(err)
	}
	f.ledger.SetCommitObserver(f.srv.CommitObserver())
	f.http.Config.Handler = f.srv.Handler()
	f.http.Start()
	t.Cleanup(func() {
		f.http.Close()
		stop()
		<-pdone
		_ = f.ledger.Close()
		_ = dbx.Close(db)
	})
	if withDemo {
		head, _ := f.ledger.Head(ctx)
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := f.proj.WaitFor(wctx, head); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// client is a browser-like HTTP client: a cookie jar and the session's
// CSRF token.
type client struct {
	f    *fixture
	http *http.Client
	csrf string
	user string
}

// anon returns a client that is not logged in.
func (f *fixture) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{f: f, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login logs a demo user in through the login form.
func (f *fixture) login(t testing.TB, user string) *client {
	t.Helper()
	c := f.anon()
	code, body := c.get(t, "/login")
	if code != http.StatusOK {
		t.Fatalf("GET /login: %d", code)
	}
	c.csrf = csrfField.FindStringSubmatch(body)[1]
	code, body = c.post(t, "/login", url.Values{"login": {user}, "password": {demoPassword}})
	if code != http.StatusSeeOther {
		t.Fatalf("login %s: status %d\n%s", user, code, body)
	}
	code, body = c.get(t, "/dashboard")
	if code != http.StatusOK {
		t.Fatalf("dashboard after login: %d", code)
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the dashboard")
	}
	c.csrf, c.user = m[1], user
	return c
}

func (c *client) do(t testing.TB, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// get fetches a page.
func (c *client) get(t testing.TB, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.f.URL+path, nil)
	code, body, _ := c.do(t, req)
	return code, body
}

// post submits a form with the client's CSRF token.
func (c *client) post(t testing.TB, path string, form url.Values) (int, string) {
	t.Helper()
	if form.Get("csrf") == "" && c.csrf != "" {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.f.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, body, _ := c.do(t, req)
	return code, body
}

// token returns an API token for a demo user.
func (f *fixture) token(t testing.TB, user string) string {
	t.Helper()
	var out tokenResponse
	code := f.call(t, "", http.MethodPost, "/api/v1/tokens", map[string]any{"login": user, "password": demoPassword}, &out)
	if code != http.StatusCreated {
		t.Fatalf("token for %s: %d", user, code)
	}
	return out.Token
}

// call makes a JSON API request with a Bearer token (none when empty),
// decodes the response into out (when not nil) and returns the status.
func (f *fixture) call(t testing.TB, token, method, path string, body, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	return f.callRaw(t, token, method, path, ct, r, out)
}

// callRaw makes an API request with a raw body and content type.
func (f *fixture) callRaw(t testing.TB, token, method, path, contentType string, body io.Reader, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, f.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	if resp.StatusCode >= 500 {
		t.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode
}

// apiErr is the decoded error body.
type apiErr struct {
	Error apiError `json:"error"`
}

func (e apiErr) String() string {
	return fmt.Sprintf("%s %s: %s", e.Error.Code, e.Error.Field, e.Error.Message)
}

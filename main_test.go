package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"golang.org/x/mod/sumdb/tlog"
)

// cli runs one command in-process with the given environment.
func cli(t *testing.T, ctx context.Context, envm map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = run(ctx, args, func(k string) string { return envm[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testEnv(t *testing.T) map[string]string {
	dir := t.TempDir()
	return map[string]string{
		"PLUMBLINE_DB":        "sqlite://" + filepath.Join(dir, "plumbline.db"),
		"PLUMBLINE_DATA":      dir,
		"PLUMBLINE_LOG_LEVEL": "warn",
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown command", nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"bad database url", map[string]string{"PLUMBLINE_DB": "mysql://x"}, []string{"verify"}, "PLUMBLINE_DB"},
		{"bad address", map[string]string{"PLUMBLINE_ADDR": "nowhere"}, []string{"serve"}, "PLUMBLINE_ADDR"},
		{"bad flag", nil, []string{"demo", "--events", "many"}, "invalid value"},
		{"negative events", nil, []string{"demo", "--events", "-5"}, "--events"},
		{"stray argument", nil, []string{"verify", "now"}, `unexpected argument "now"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, context.Background(), tc.env, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 mentioning %q", code, stderr, tc.want)
			}
		})
	}
}

// TestDemoVerifyTamperReindex walks the operator's path: load the demo,
// verify, damage the read model, see verify name it, reindex, verify again.
func TestDemoVerifyTamperReindex(t *testing.T) {
	ctx := context.Background()
	env := testEnv(t)
	if code, out, errs := cli(t, ctx, env, "demo"); code != 0 || !strings.Contains(out, "demo data written") {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli(t, ctx, env, "verify")
	if code != 0 || !strings.HasPrefix(out, "ok: ") || strings.Count(out, "\n") != 1 {
		t.Fatalf("verify: exit %d, want one summary line\n%s\n%s", code, out, errs)
	}

	db, err := sql.Open("sqlite3", strings.TrimPrefix(env["PLUMBLINE_DB"], "sqlite://"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var code0 string
	if err := db.QueryRow(`SELECT code FROM rm_batches ORDER BY code LIMIT 1`).Scan(&code0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE rm_batches SET remaining = remaining + 1000 WHERE code = ?`, code0); err != nil {
		t.Fatal(err)
	}
	code, _, errs = cli(t, ctx, env, "verify")
	if code != 1 || !strings.Contains(errs, "rm_batches") || !strings.Contains(errs, code0) {
		t.Fatalf("verify after tampering: exit %d, stderr %q; want exit 1 naming rm_batches and %s", code, errs, code0)
	}
	if code, out, errs := cli(t, ctx, env, "reindex"); code != 0 || !strings.Contains(out, "rebuilt") {
		t.Fatalf("reindex: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, ctx, env, "verify"); code != 0 {
		t.Fatalf("verify after reindex: exit %d\n%s\n%s", code, out, errs)
	}

	// The events table and the batches each event touched decide who is
	// involved with a batch: verify compares them with the ledger too.
	var org5 string
	if err := db.QueryRow(`SELECT org_id FROM rm_events WHERE seq = 5`).Scan(&org5); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ tamper, undo, table string }{
		{`UPDATE rm_events SET org_id = 'intruder' WHERE seq = 5`, `UPDATE rm_events SET org_id = '` + org5 + `' WHERE seq = 5`, "rm_events"},
		{`INSERT INTO rm_event_batches (batch_code, seq) VALUES ('` + code0 + `', 3)`, `DELETE FROM rm_event_batches WHERE batch_code = '` + code0 + `' AND seq = 3`, "rm_event_batches"},
	} {
		if _, err := db.Exec(c.tamper); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := cli(t, ctx, env, "verify"); code != 1 || !strings.Contains(errs, c.table) {
			t.Fatalf("verify after %s: exit %d, stderr %q; want exit 1 naming %s", c.tamper, code, errs, c.table)
		}
		if _, err := db.Exec(c.undo); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errs := cli(t, ctx, env, "verify"); code != 0 {
		t.Fatalf("verify after undoing the edits: exit %d\n%s\n%s", code, out, errs)
	}

	// A damaged ledger entry is named by its sequence number.
	if _, err := db.Exec(`UPDATE ledger_entries SET data = substr(data, 1, 40) || x'00' || substr(data, 42) WHERE seq = 7`); err != nil {
		t.Fatal(err)
	}
	code, _, errs = cli(t, ctx, env, "verify")
	if code != 1 || !strings.Contains(errs, "entry 7") {
		t.Fatalf("verify after editing entry 7: exit %d, stderr %q", code, errs)
	}

	// Every run is recorded for the dashboard, and reindex kept them.
	rows, err := db.Query(`SELECT source, ok, from_seq, to_seq, message FROM ops_verify_runs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var runs []string
	for rows.Next() {
		var src, msg string
		var ok bool
		var from, to uint64
		if err := rows.Scan(&src, &ok, &from, &to, &msg); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, fmt.Sprintf("%s %v %d-%d %s", src, ok, from, to, msg))
	}
	if len(runs) != 7 || !strings.HasPrefix(runs[0], "cli true 1-") || !strings.Contains(runs[1], "false") || !strings.Contains(runs[1], "rm_batches") ||
		!strings.HasPrefix(runs[2], "cli true 1-") || !strings.Contains(runs[3], "rm_events") || !strings.Contains(runs[4], "rm_event_batches") ||
		!strings.HasPrefix(runs[5], "cli true 1-") || !strings.Contains(runs[6], "entry 7") {
		t.Errorf("recorded verify runs:\n%s", strings.Join(runs, "\n"))
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeDemoHealthzShutdown starts the server with the demo data, probes
// /healthz over real HTTP (and with the healthcheck command), then stops it
// the way SIGTERM does and expects a clean exit.
func TestServeDemoHealthzShutdown(t *testing.T) {
	env := testEnv(t)
	env["PLUMBLINE_ADDR"] = freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var out, errb syncBuffer
	go func() {
		done <- run(ctx, []string{"serve", "--demo"}, func(k string) string { return env[k] }, &out, &errb)
	}()

	url := "http://" + env["PLUMBLINE_ADDR"] + "/healthz"
	deadline := time.Now().Add(60 * time.Second)
	var body string
	for {
		resp, err := http.Get(url)
		if err == nil {
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			resp.Body.Close()
			body = b.String()
			if resp.StatusCode == http.StatusOK && !strings.Contains(body, `"ledger_head":0`) {
				break
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited early with %d\n%s\n%s", code, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy with demo data: %q %v\n%s", body, err, errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "demo data loaded") {
		t.Errorf("serve --demo did not report the demo data: %q", out.String())
	}
	if code, o, e := cli(t, context.Background(), env, "healthcheck"); code != 0 || !strings.Contains(o, "healthy") {
		t.Errorf("healthcheck: exit %d %q %q", code, o, e)
	}
	// serve wires the embedded ledger's optional capabilities (ledger.VerifierKeyer…).
	if resp, err := http.Get("http://" + env["PLUMBLINE_ADDR"] + "/api/v1/ledger/checkpoint"); err != nil {
		t.Error(err)
	} else {
		var cp struct {
			VerifierKey string `json:"verifier_key"`
		}
		err := json.NewDecoder(resp.Body).Decode(&cp)
		resp.Body.Close()
		if err != nil || cp.VerifierKey == "" {
			t.Errorf("checkpoint without the verifier key: %+v %v", cp, err)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d after shutdown\n%s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if code, _, e := cli(t, context.Background(), env, "healthcheck"); code != 1 || !strings.Contains(e, "unreachable") {
		t.Errorf("healthcheck on a stopped server: exit %d %q", code, e)
	}
}

// TestVerifyTrustedCheckpoint keeps the demo ledger's latest checkpoint,
// then takes the ledger back to an older state, as restoring an older
// backup would: verify with the kept checkpoint exits 1 with "rolled
// back", naming both sizes.
func TestVerifyTrustedCheckpoint(t *testing.T) {
	ctx := context.Background()
	env := testEnv(t)
	if code, out, errs := cli(t, ctx, env, "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	db, err := sql.Open("sqlite3", strings.TrimPrefix(env["PLUMBLINE_DB"], "sqlite://"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size int64
	var signed string
	if err := db.QueryRow(`SELECT size, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&size, &signed); err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(t.TempDir(), "checkpoint.txt")
	if err := os.WriteFile(kept, []byte(signed), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, ctx, env, "verify", "--trusted-checkpoint", kept); code != 0 || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("verify with the ledger's own checkpoint: exit %d\n%s\n%s", code, out, errs)
	}
	// The last five entries, their hashes and checkpoints are gone.
	back := size - 5
	for _, q := range []string{
		fmt.Sprintf(`DELETE FROM ledger_entries WHERE seq > %d`, back),
		fmt.Sprintf(`DELETE FROM ledger_checkpoints WHERE size > %d`, back),
		fmt.Sprintf(`DELETE FROM ledger_hashes WHERE id >= %d`, tlog.StoredHashIndex(0, back)),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	code, _, errs := cli(t, ctx, env, "verify", "--trusted-checkpoint", kept)
	if code != 1 || !strings.Contains(errs, "rolled back") || !strings.Contains(errs, fmt.Sprint(back)) || !strings.Contains(errs, fmt.Sprint(size)) {
		t.Fatalf("verify after the rollback: exit %d, stderr %q; want exit 1, rolled back, naming %d and %d", code, errs, back, size)
	}
}

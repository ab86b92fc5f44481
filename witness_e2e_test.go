package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/note"

	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/internal/testbrowser"
	"github.com/plumbline/plumbline/internal/witness/witnesstest"
	"github.com/plumbline/plumbline/ledger/embedded/keys"
)

// TestWitnessCatchesRestoredBackup runs the server with a plumbline witness
// as an operator would, then restores an older copy of its database: the
// server learns from its witness that entries are missing, refuses writes
// (503 naming both sizes) and fails /readyz, and verify with the
// checkpoint kept from before the restore exits 1 "rolled back".
func TestWitnessCatchesRestoredBackup(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server three times")
	}
	ctx := context.Background()
	env, logKey := demoLedger(t)

	// The authority's witness, in two commands and a key.
	witnessKey, waddr := startWitness(t, env["PLUMBLINE_LOG_ORIGIN"], logKey)
	env["PLUMBLINE_WITNESSES"] = witnessKey + " http://" + waddr
	env["PLUMBLINE_ADDR"] = freePort(t)
	base := "http://" + env["PLUMBLINE_ADDR"]
	dbPath := strings.TrimPrefix(env["PLUMBLINE_DB"], "sqlite://")
	backup := filepath.Join(t.TempDir(), "backup.db")

	child := startChild(t, env, "serve --demo", base)
	first := waitWitnessed(t, base, 0)
	// A phone opens a batch's page: the browser checks the cosignature
	// itself and remembers the checkpoint.
	browser := testbrowser.Start(t, 412, 915)
	page := base + "/b/" + demoBatch(t, dbPath)
	if st := ledgerWatch(t, browser, page); st.State != "witnessed" || st.K != "1" || st.N != "1" || !strings.Contains(st.Text, "Witnessed by 1 of 1") {
		t.Fatalf("the trace page: %+v", st)
	}
	stop(t, child)
	copyDB(t, dbPath, backup)

	child = startChild(t, env, "serve --demo", base)
	waitProjected(t, base)
	tok := apiToken(t, base, "fuchun-cement.operator")
	if code, body := commission(t, base, tok, "WIT-AFTER-BACKUP"); code != http.StatusCreated {
		t.Fatalf("a write before the restore: %d %s", code, body)
	}
	second := waitWitnessed(t, base, first)
	// Back on the page, the browser checks a consistency proof from the
	// checkpoint it saw to the new one.
	if st := ledgerWatch(t, browser, page); st.State != "witnessed" || !strings.Contains(st.Text, fmt.Sprintf("saw %d entries", first)) {
		t.Fatalf("the trace page after a write: %+v", st)
	}
	// Had it seen another history at that size, it would say so.
	var cp struct{ Checkpoint struct{ Root string } }
	_ = json.Unmarshal([]byte(get(t, base+"/api/v1/ledger/checkpoint")), &cp)
	setSeen(t, browser, first, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if st := ledgerWatch(t, browser, page); st.State != "forked" {
		t.Errorf("the trace page after seeing another history: %+v; want forked", st)
	}
	setSeen(t, browser, second, cp.Checkpoint.Root)
	kept := filepath.Join(t.TempDir(), "kept-checkpoint")
	if err := os.WriteFile(kept, []byte(get(t, base+"/ledger/checkpoint")), 0o644); err != nil {
		t.Fatal(err)
	}
	stop(t, child)

	newer := filepath.Join(t.TempDir(), "before-restore.db")
	copyDB(t, dbPath, newer)  // what the disaster left elsewhere (a replica, say)
	copyDB(t, backup, dbPath) // the operator restores yesterday's backup

	// First with the witness out of reach: the server learns nothing by
	// itself, until the phone that saw the newer checkpoint comes by. It
	// says so, and presents the witnessed checkpoint it kept: verifiable
	// evidence, on which the server stops writes.
	withWitness := env["PLUMBLINE_WITNESSES"]
	env["PLUMBLINE_WITNESSES"] = witnessKey + " http://" + freePort(t)
	child = startChild(t, env, "serve --demo", base)
	if code, body := getStatus(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz with no evidence yet: %d %s", code, body)
	}
	st := ledgerWatch(t, browser, page)
	if st.State != "rolledback" || !strings.Contains(st.Text, fmt.Sprint(second)) || !strings.Contains(st.Text, fmt.Sprint(first)) {
		t.Errorf("the trace page after the restore: %+v; want rolled back naming %d and %d", st, second, first)
	}
	waitNotReady(t, base)
	tok = apiToken(t, base, "fuchun-cement.operator")
	code, body := commission(t, base, tok, "WIT-AFTER-RESTORE")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, fmt.Sprint(first)) || !strings.Contains(body, fmt.Sprint(second)) {
		t.Errorf("a write after the phone's evidence: %d %s; want 503 naming %d and %d entries", code, body, first, second)
	}
	stop(t, child)
	// Evidence is kept: a restart does not forget it.
	child = startChild(t, env, "serve --demo", base)
	if code, body := getStatus(t, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "writes stopped") {
		t.Errorf("/readyz after a restart, the witness still unreachable: %d %s; want writes stopped", code, body)
	}
	stop(t, child)

	// Then with the witness: the server finds out at start.
	env["PLUMBLINE_WITNESSES"] = withWitness
	child = startChild(t, env, "serve --demo", base)
	waitNotReady(t, base)
	code, body = commission(t, base, tok, "WIT-AFTER-RESTORE")
	t.Logf("a write after the restore: %d %s", code, body)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, fmt.Sprint(first)) || !strings.Contains(body, fmt.Sprint(second)) {
		t.Errorf("a write after the restore: %d %s; want 503 naming %d and %d entries", code, body, first, second)
	}
	stop(t, child)
	code, _, errs := cli(t, ctx, env, "verify", "--trusted-checkpoint", kept)
	if code != 1 || !strings.Contains(errs, "rolled back") {
		t.Errorf("verify with the kept cosigned checkpoint: exit %d %q; want 1, rolled back", code, errs)
	}

	// Had no other copy been left, the log would continue under a new
	// origin whose first entry records the old log's witnessed checkpoint.
	lost := testEnv(t)
	lost["PLUMBLINE_DATA"], lost["PLUMBLINE_LOG_LEVEL"] = env["PLUMBLINE_DATA"], "warn"
	copyDB(t, dbPath, strings.TrimPrefix(lost["PLUMBLINE_DB"], "sqlite://"))
	code, out, errs := cli(t, ctx, lost, "ledger", "set-origin", "plumbline.test/ledger-2", "--after-loss", kept, "--org", "hz-construction-bureau")
	if code != 0 || !strings.Contains(out, "continues plumbline.test/ledger") || !strings.Contains(out, fmt.Sprintf("checkpoint of %d entries", second)) {
		t.Fatalf("set-origin --after-loss: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, ctx, lost, "verify"); code != 0 {
		t.Errorf("verify of the continued log: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := cli(t, ctx, lost, "ledger", "set-origin", "plumbline.test/ledger-3", "--after-loss", kept, "--org", "hz-construction-bureau"); code == 0 || !strings.Contains(errs, "already recorded") {
		t.Errorf("the same loss recorded twice: exit %d %s", code, errs)
	}
	// A refused continuation leaves the origins as they were.
	if origins := metaValue(t, strings.TrimPrefix(lost["PLUMBLINE_DB"], "sqlite://"), "origins"); strings.Contains(origins, "ledger-3") || !strings.HasSuffix(origins, "plumbline.test/ledger-2") {
		t.Errorf("the origins after a refused continuation: %q", origins)
	}

	// Recovery: the missing entries come back from the other copy, and the
	// server, its witness agreeing again, takes writes.
	code, out, errs = cli(t, ctx, env, "ledger", "recover", "--from-db", "sqlite://"+newer)
	if code != 0 || !strings.Contains(out, fmt.Sprint(second)) {
		t.Fatalf("ledger recover: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := cli(t, ctx, env, "verify", "--trusted-checkpoint", kept); code != 0 {
		t.Errorf("verify after recovery: exit %d %s", code, errs)
	}
	child = startChild(t, env, "serve --demo", base)
	waitWitnessed(t, base, second-1)
	if code, body := commission(t, base, tok, "WIT-AFTER-RECOVERY"); code != http.StatusCreated {
		t.Errorf("a write after recovery: %d %s", code, body)
	}
	if code, body := getStatus(t, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after recovery: %d %s", code, body)
	}
	// The incremental check starts from the newest witnessed checkpoint.
	last := waitWitnessed(t, base, second)
	stop(t, child)
	code, out, errs = cli(t, ctx, env, "verify", "--since-witnessed")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("checkpoint of %d entries that 1 of 1 witnesses cosigned", last)) {
		t.Errorf("verify --since-witnessed: exit %d\n%s\n%s", code, out, errs)
	}
}

// startWitness runs `plumbline witness` (its key, the log added, serve)
// for the log of origin, until the test ends; it returns the witness's
// verifier key and address.
func startWitness(t *testing.T, origin, logKey string) (key, addr string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	code, out, errs := cli(t, ctx, nil, "witness", "key", "--dir", dir, "--name", "witness.authority.test")
	if code != 0 {
		t.Fatalf("witness key: %d %s %s", code, out, errs)
	}
	key = strings.TrimSpace(out)
	if code, out, errs := cli(t, ctx, nil, "witness", "add-log", "--dir", dir, "--origin", origin, "--key", logKey); code != 0 {
		t.Fatalf("witness add-log: %d %s %s", code, out, errs)
	}
	addr = freePort(t)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan int, 1)
	go func() { c, _, _ := cli(t, wctx, nil, "witness", "serve", "--dir", dir, "--listen", addr); done <- c }()
	t.Cleanup(func() { stop(); <-done })
	return key, addr
}

// demoLedger writes the demo ledger under the origin plumbline.test/ledger
// and returns its environment and checkpoint verifier key.
func demoLedger(t *testing.T) (map[string]string, string) {
	t.Helper()
	env := testEnv(t)
	env["PLUMBLINE_LOG_ORIGIN"] = "plumbline.test/ledger"
	if code, out, errs := cli(t, context.Background(), env, "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	pub, err := os.ReadFile(filepath.Join(env["PLUMBLINE_DATA"], "keys", "checkpoint.pub"))
	if err != nil {
		t.Fatal(err)
	}
	logKey, err := keys.RenameVerifierKey(strings.TrimSpace(string(pub)), env["PLUMBLINE_LOG_ORIGIN"])
	if err != nil {
		t.Fatal(err)
	}
	return env, logKey
}

// TestLitewitnessCosignsOnThePage: litewitness, an independent witness
// (filippo.io/torchwood), cosigns the server's checkpoints; the cosigned
// checkpoint at /ledger/checkpoint verifies with x/mod/sumdb/note and the
// witness's key, and the trace page says "witnessed by 1 of 1".
func TestLitewitnessCosignsOnThePage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds litewitness and runs the server")
	}
	env, logKey := demoLedger(t)
	bin := witnesstest.BuildTools(t)
	url, liteKey, _ := witnesstest.StartLitewitness(t, bin, "litewitness.test", witnesstest.Log{Origin: env["PLUMBLINE_LOG_ORIGIN"], Key: logKey})
	env["PLUMBLINE_WITNESSES"] = liteKey + " " + url
	env["PLUMBLINE_ADDR"] = freePort(t)
	base := "http://" + env["PLUMBLINE_ADDR"]
	child := startChild(t, env, "serve --demo", base)
	defer stop(t, child)
	size := waitWitnessed(t, base, 0)

	signed := get(t, base+"/ledger/checkpoint")
	var vs []note.Verifier
	for _, k := range []string{logKey, liteKey} {
		v, err := cosign.NewVerifier(k)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open([]byte(signed), note.VerifierList(vs...))
	if err != nil || len(n.Sigs) != 2 || !strings.HasPrefix(n.Text, fmt.Sprintf("plumbline.test/ledger\n%d\n", size)) {
		t.Fatalf("/ledger/checkpoint %q: %v, %d valid signatures; want the log's and litewitness's", signed, err, len(n.Sigs))
	}
	browser := testbrowser.Start(t, 412, 915)
	page := base + "/b/" + demoBatch(t, strings.TrimPrefix(env["PLUMBLINE_DB"], "sqlite://"))
	st := ledgerWatch(t, browser, page)
	if st.State != "witnessed" || !strings.Contains(st.Text, "Witnessed by 1 of 1 (litewitness.test)") {
		t.Errorf("the trace page with litewitness: %+v", st)
	}

	// An inspector drops an offline proof on the page: the browser checks
	// it alone, cosignature included; a proof with one byte changed fails.
	proof := get(t, base+"/api/v1/ledger/entries/5/tlog-proof")
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "5.tlog-proof"), filepath.Join(dir, "bad.tlog-proof")
	if err := os.WriteFile(good, []byte(proof), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(proof, "\nindex 4\n", "\nindex 3\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, state, says string
	}{
		{good, "verified", "Verified offline: entry 5"},
		{bad, "failed", "does not verify"},
	} {
		got := dropProof(t, browser, c.file)
		if got.State != c.state || !strings.Contains(got.Text, c.says) {
			t.Errorf("dropping %s: %+v, want %s saying %q", filepath.Base(c.file), got, c.state, c.says)
		}
		if c.state == "verified" && (!strings.Contains(got.Text, "cosigned by 1 of 1 witnesses (litewitness.test)") || strings.Contains(got.Text, "{")) {
			t.Errorf("the offline proof's cosignature is not counted: %q", got.Text)
		}
	}
}

// dropProof chooses file in the trace page's offline-proof box and waits
// for the browser's verdict.
func dropProof(t *testing.T, browser context.Context, file string) watchState {
	t.Helper()
	ctx, cancel := context.WithTimeout(browser, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelector("#proof-drop").dataset.state = "idle"`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.SetUploadFiles("#proof-file", []string{file})); err != nil {
		t.Fatal(err)
	}
	for {
		st, err := chromedp.Run(ctx, chromedp.Evaluate[watchState](`(() => {
			const el = document.querySelector("#proof-drop");
			return {State: el.dataset.state, Text: el.querySelector(".drop-status").textContent};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if st.State == "verified" || st.State == "failed" {
			if dir := os.Getenv("PLUMBLINE_ARTIFACTS"); dir != "" { // screenshots for README
				if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
					_ = os.WriteFile(filepath.Join(dir, "proof-drop-"+st.State+".png"), png, 0o644)
				}
			}
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// getStatus fetches url and returns its status and body.
func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitNotReady waits until /readyz says writes are stopped.
func waitNotReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := getStatus(t, base+"/readyz")
		if code == http.StatusServiceUnavailable && strings.Contains(body, "writes stopped") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: %d %s; want writes stopped", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitWitnessed waits until the witness has cosigned a checkpoint larger
// than after, covering every entry, and returns its size.
func waitWitnessed(t *testing.T, base string, after uint64) uint64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var r struct {
			Checkpoint struct{ Size uint64 }
			Witnessing *struct {
				Witnessed *struct{ Size uint64 }
			}
		}
		if err := json.Unmarshal([]byte(get(t, base+"/api/v1/ledger/checkpoint")), &r); err != nil {
			t.Fatal(err)
		}
		if r.Witnessing == nil {
			t.Fatal("the checkpoint API says nothing of witnessing")
		}
		if w := r.Witnessing.Witnessed; w != nil && w.Size > after && w.Size == r.Checkpoint.Size {
			return w.Size
		}
		if time.Now().After(deadline) {
			t.Fatalf("no witnessed checkpoint past %d: %+v", after, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func commission(t *testing.T, base, tok, code string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"code": code, "product_id": "po-42.5", "quantity": "10", "produced_on": "2026-11-20"})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/batches", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Idempotency-Key", code)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// stop ends a child server with SIGTERM and waits for it.
func stop(t *testing.T, child *exec.Cmd) {
	t.Helper()
	if child.ProcessState != nil {
		return
	}
	_ = child.Process.Signal(syscall.SIGTERM)
	_ = child.Wait()
}

// copyDB copies a stopped server's SQLite database with its write-ahead
// log, replacing the target's.
func copyDB(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(to + suffix)
	}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(from + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// watchState is what witness.js concluded on a trace page.
type watchState struct{ State, K, N, Text string }

// ledgerWatch opens page and waits for witness.js to finish checking the
// ledger's history.
func ledgerWatch(t *testing.T, browser context.Context, page string) watchState {
	t.Helper()
	ctx, cancel := context.WithTimeout(browser, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	for {
		st, err := chromedp.Run(ctx, chromedp.Evaluate[watchState](`(() => {
			const el = document.querySelector("#ledger-watch");
			if (!el) return {State: "absent"};
			return {State: el.dataset.state, K: el.dataset.k || "", N: el.dataset.n || "", Text: el.querySelector(".watch-status").textContent};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if st.State != "unchecked" && st.State != "checking" {
			if dir := os.Getenv("PLUMBLINE_ARTIFACTS"); dir != "" { // screenshots for README
				if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
					_ = os.WriteFile(filepath.Join(dir, "ledger-watch-"+st.State+".png"), png, 0o644)
				}
			}
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// setSeen makes the browser remember a checkpoint of size entries with
// root (base64) for the test's log, as witness.js keeps it (and keeps the
// witnessed checkpoint it holds).
func setSeen(t *testing.T, browser context.Context, size uint64, root string) {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		const k = Object.keys(localStorage).find((k) => k.startsWith("plumbline.checkpoint."));
		const v = JSON.parse(localStorage.getItem(k) || "{}");
		v.size = "%d"; v.root = %q;
		localStorage.setItem(k, JSON.stringify(v));
	})()`, size, root)
	if _, err := chromedp.Run(browser, chromedp.Evaluate[any](js)); err != nil {
		t.Fatal(err)
	}
}

// metaValue reads a ledger_meta row of a stopped server's database.
func metaValue(t *testing.T, dbPath, name string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRow(`SELECT value FROM ledger_meta WHERE name = ?`, name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// demoBatch returns the code of a batch of the demo data.
func demoBatch(t *testing.T, dbPath string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var code string
	if err := db.QueryRow(`SELECT code FROM rm_batches ORDER BY code LIMIT 1`).Scan(&code); err != nil {
		t.Fatal(err)
	}
	return code
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
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
	env := testEnv(t)
	env["PLUMBLINE_LOG_ORIGIN"] = "plumbline.test/ledger"
	if code, out, errs := cli(t, ctx, env, "demo"); code != 0 {
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

	// The authority's witness, in two commands and a key.
	wdir := t.TempDir()
	code, out, errs := cli(t, ctx, nil, "witness", "key", "--dir", wdir, "--name", "witness.authority.test")
	if code != 0 {
		t.Fatalf("witness key: %d %s %s", code, out, errs)
	}
	witnessKey := strings.TrimSpace(out)
	if code, out, errs := cli(t, ctx, nil, "witness", "add-log", "--dir", wdir, "--origin", env["PLUMBLINE_LOG_ORIGIN"], "--key", logKey); code != 0 {
		t.Fatalf("witness add-log: %d %s %s", code, out, errs)
	}
	waddr := freePort(t)
	wctx, stopWitness := context.WithCancel(ctx)
	wdone := make(chan int, 1)
	go func() { c, _, _ := cli(t, wctx, nil, "witness", "serve", "--dir", wdir, "--listen", waddr); wdone <- c }()
	t.Cleanup(func() { stopWitness(); <-wdone })

	env["PLUMBLINE_WITNESSES"] = witnessKey + " http://" + waddr
	env["PLUMBLINE_ADDR"] = freePort(t)
	base := "http://" + env["PLUMBLINE_ADDR"]
	dbPath := strings.TrimPrefix(env["PLUMBLINE_DB"], "sqlite://")
	backup := filepath.Join(t.TempDir(), "backup.db")

	child := startChild(t, env, "serve --demo", base)
	first := waitWitnessed(t, base, 0)
	stop(t, child)
	copyDB(t, dbPath, backup)

	child = startChild(t, env, "serve --demo", base)
	waitProjected(t, base)
	tok := apiToken(t, base, "fuchun-cement.operator")
	if code, body := commission(t, base, tok, "WIT-AFTER-BACKUP"); code != http.StatusCreated {
		t.Fatalf("a write before the restore: %d %s", code, body)
	}
	second := waitWitnessed(t, base, first)
	kept := filepath.Join(t.TempDir(), "kept-checkpoint")
	if err := os.WriteFile(kept, []byte(get(t, base+"/ledger/checkpoint")), 0o644); err != nil {
		t.Fatal(err)
	}
	stop(t, child)

	copyDB(t, backup, dbPath) // the operator restores yesterday's backup
	child = startChild(t, env, "serve --demo", base)
	defer stop(t, child)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(b), "writes stopped") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz after the restore: %d %s", resp.StatusCode, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	tok = apiToken(t, base, "fuchun-cement.operator")
	code, body := commission(t, base, tok, "WIT-AFTER-RESTORE")
	t.Logf("a write after the restore: %d %s", code, body)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, fmt.Sprint(first)) || !strings.Contains(body, fmt.Sprint(second)) {
		t.Errorf("a write after the restore: %d %s; want 503 naming %d and %d entries", code, body, first, second)
	}
	stop(t, child)
	code, _, errs = cli(t, ctx, env, "verify", "--trusted-checkpoint", kept)
	if code != 1 || !strings.Contains(errs, "rolled back") {
		t.Errorf("verify with the kept cosigned checkpoint: exit %d %q; want 1, rolled back", code, errs)
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

// copyDB copies a stopped server's SQLite database, dropping the target's
// write-ahead log.
func copyDB(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(to + suffix)
	}
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

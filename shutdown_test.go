package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeChildWithSignals is not a test: with PLUMBLINE_SIGNAL_CHILD set
// it runs that command line as the plumbline binary's main does, stopping
// gracefully on SIGTERM (TestMain's children run until killed).
func TestServeChildWithSignals(t *testing.T) {
	args := os.Getenv("PLUMBLINE_SIGNAL_CHILD")
	if args == "" {
		t.Skip("runs only as a child process of TestSIGTERMWaitsForImport")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, strings.Fields(args), os.Getenv, os.Stdout, os.Stderr))
}

// startSignalChild starts the server command in a child process that
// shuts down gracefully on SIGTERM, and waits until it answers /healthz.
func startSignalChild(t *testing.T, env map[string]string, args, base string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChildWithSignals$")
	cmd.Env = append(os.Environ(), "PLUMBLINE_SIGNAL_CHILD="+args)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	errb := &syncBuffer{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, errb
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server %q not healthy: %v\n%s", args, err, errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// importState is what the import API says of a job.
type importState struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Total     int    `json:"total"`
	Done      int    `json:"done"`
	Committed int    `json:"committed"`
	Replayed  int    `json:"replayed"`
	Failed    int    `json:"failed"`
}

// TestSIGTERMWaitsForImport sends SIGTERM to the real server while a CSV
// import runs: the server stops taking requests but lets the import finish
// within the grace period before the ledger closes, and exits cleanly. The
// proof is the restarted server: the same file sent again commits nothing,
// every row comes back as already committed.
func TestSIGTERMWaitsForImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server twice; skipped in -short mode")
	}
	env := testEnv(t)
	env["PLUMBLINE_ADDR"] = freePort(t)
	base := "http://" + env["PLUMBLINE_ADDR"]
	const rows = 200
	var file strings.Builder
	file.WriteString("code,product_id,quantity,produced_on\n")
	for i := range rows {
		fmt.Fprintf(&file, "SIGTERM-%04d,po-42.5,10,2026-11-20\n", i)
	}
	send := func(tok string) importState {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/imports?kind=batches", strings.NewReader(file.String()))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "text/csv")
		var j importState
		if code := do(t, req, &j); code != http.StatusAccepted {
			t.Fatalf("import: %d", code)
		}
		return j
	}
	status := func(tok, id string) importState {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/imports/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		var j importState
		if code := do(t, req, &j); code != http.StatusOK {
			t.Fatalf("import status: %d", code)
		}
		return j
	}

	child, logs := startSignalChild(t, env, "serve --demo", base)
	tok := apiToken(t, base, "fuchun-cement.operator")
	j := send(tok)
	for j.Done == 0 && j.State == "running" {
		time.Sleep(10 * time.Millisecond)
		j = status(tok, j.ID)
	}
	if j.State == "running" {
		t.Logf("SIGTERM with the import at row %d of %d", j.Done, j.Total)
	} else {
		t.Logf("the import had finished before SIGTERM (%+v); the test proves less", j)
	}
	if err := child.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := child.Wait(); err != nil {
		t.Fatalf("server exit after SIGTERM: %v\n%s", err, logs.String())
	}

	startSignalChild(t, env, "serve", base)
	tok = apiToken(t, base, "fuchun-cement.operator")
	again := send(tok)
	for again.State == "running" {
		time.Sleep(20 * time.Millisecond)
		again = status(tok, again.ID)
	}
	if again.State != "done" || again.Replayed != rows || again.Committed != 0 || again.Failed != 0 {
		t.Fatalf("the same file after the restart: %+v, want all %d rows already committed", again, rows)
	}
}

// do sends req and decodes the JSON answer into v.
func do(t *testing.T, req *http.Request, v any) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(v)
	return resp.StatusCode
}

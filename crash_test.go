package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the plumbline binary: with
// PLUMBLINE_TEST_CHILD set it runs the command line in it instead of the
// tests, so the crash test can kill -9 a real server process.
func TestMain(m *testing.M) {
	if args := os.Getenv("PLUMBLINE_TEST_CHILD"); args != "" {
		os.Exit(run(context.Background(), strings.Fields(args), os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestKill9LosesNoAcknowledgedWrite runs the real server in a child
// process, has 16 API clients commission batches as fast as it answers, and
// kills the server with SIGKILL in the middle, three times. After every
// restart, every batch the API acknowledged with 201 must be there, and
// `plumbline verify` must pass.
func TestKill9LosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	env := testEnv(t)
	env["PLUMBLINE_ADDR"] = freePort(t)
	base := "http://" + env["PLUMBLINE_ADDR"]
	var acked []string
	for cycle := range 3 {
		args := "serve"
		if cycle == 0 {
			args = "serve --demo"
		}
		child := startChild(t, env, args, base)
		tok := apiToken(t, base, "fuchun-cement.operator")
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					code := fmt.Sprintf("K9-%d-%02d-%04d", cycle, w, i)
					body, _ := json.Marshal(map[string]any{"code": code, "product_id": "po-42.5", "quantity": "10", "produced_on": "2026-11-20"})
					req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/batches", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Idempotency-Key", code)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						return // the server is gone
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusCreated {
						mu.Lock()
						acked = append(acked, code)
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(1500 * time.Millisecond)
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = child.Wait()
		close(stop)
		wg.Wait()
	}
	if len(acked) < 100 {
		t.Fatalf("only %d writes acknowledged before the kills; the test proves little", len(acked))
	}
	// Restart once more, let the read model catch up with the ledger, and
	// look for every acknowledged batch.
	child := startChild(t, env, "serve", base)
	waitProjected(t, base)
	tok := apiToken(t, base, "fuchun-cement.operator")
	missing := 0
	for _, code := range acked {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/batches/"+code, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			missing++
			if missing < 5 {
				t.Errorf("acknowledged batch %s: %d after restart", code, resp.StatusCode)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged writes lost", missing, len(acked))
	}
	_ = child.Process.Signal(syscall.SIGTERM)
	_ = child.Wait()
	if code, out, errs := cli(t, context.Background(), env, "verify"); code != 0 {
		t.Fatalf("verify after three kill -9s: exit %d\n%s\n%s", code, out, errs)
	}
	t.Logf("%d acknowledged writes, all present after 3 × kill -9; verify passes", len(acked))
}

// startChild starts the server command in a child process and waits until
// it answers /healthz.
func startChild(t *testing.T, env map[string]string, args, base string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PLUMBLINE_TEST_CHILD="+args)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var errb syncBuffer
	cmd.Stderr = &errb
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
				return cmd
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server %q not healthy: %v\n%s", args, err, errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitProjected waits until the read model has applied every ledger entry.
func waitProjected(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var h struct {
			Head      uint64 `json:"ledger_head"`
			Projected uint64 `json:"projected"`
		}
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if h.Head > 0 && h.Projected >= h.Head {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("read model stuck at %d of %d entries", h.Projected, h.Head)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// apiToken logs a demo user in through the API.
func apiToken(t *testing.T, base, user string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"login": user, "password": "plumbline-demo"})
	resp, err := http.Post(base+"/api/v1/tokens", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("token for %s: %s %v", user, resp.Status, err)
	}
	return out.Token
}

package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeListensWhileTheDemoLoads: on a first start with --demo, the
// server answers at once: pages say the demo is loading (in both
// languages, 503, refreshing), /healthz says "starting", and then the real
// server takes over.
func TestServeListensWhileTheDemoLoads(t *testing.T) {
	env := testEnv(t)
	env["PLUMBLINE_ADDR"] = freePort(t)
	base := "http://" + env["PLUMBLINE_ADDR"]
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { c, _, _ := cli(t, ctx, env, "serve", "--demo"); done <- c }()
	defer func() { cancel(); <-done }()

	get := func(path string) (int, string, bool) {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0, "", false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), true
	}
	var loading, health bool
	deadline := time.Now().Add(120 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("the server never became ready")
		}
		code, body, ok := get("/")
		if !ok {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if code == http.StatusServiceUnavailable {
			if !strings.Contains(body, "Plumbline is starting") || !strings.Contains(body, "正在加载演示数据") || !strings.Contains(body, `http-equiv="refresh"`) {
				t.Fatalf("the page while the demo loads: %s", body)
			}
			loading = true
			if code, body, _ := get("/healthz"); code == http.StatusServiceUnavailable && strings.Contains(body, `"status":"starting"`) {
				health = true
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if code != http.StatusOK {
			t.Fatalf("GET / after loading: %d", code)
		}
		break
	}
	if !loading || !health {
		t.Errorf("no loading page (%v) or starting health (%v) was seen before the server was ready", loading, health)
	}
	if code, _, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz once ready: %d", code)
	}
}

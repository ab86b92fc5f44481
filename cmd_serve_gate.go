package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
)

// startGate answers requests while the server starts (the demo data
// loading, which takes a while on a first start): a short page in both
// languages that refreshes itself, 503 with Retry-After, and /healthz and
// /readyz saying "starting", until open hands it the real handler.
type startGate struct {
	h           atomic.Pointer[http.Handler]
	done, total atomic.Int64 // demo transactions loaded, of
}

func (g *startGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := g.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	w.Header().Set("Retry-After", "2")
	w.Header().Set("Cache-Control", "no-store")
	done, total := g.done.Load(), g.total.Load()
	if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"status":"starting","reason":"loading the demo data","done":%d,"total":%d}`+"\n", done, total)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(http.StatusServiceUnavailable)
	progress := ""
	if total > 0 {
		progress = fmt.Sprintf(" (%d / %d)", done, total)
	}
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="2"><title>Plumbline is starting</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">
<h1>Plumbline is starting</h1><p>Loading the demo data%s… This page opens by itself when it is ready.</p>
<p lang="zh-CN">正在启动 Plumbline：正在加载演示数据%s…… 准备好后此页面会自动打开。</p></body></html>
`, progress, progress)
}

// open hands the gate the real handler.
func (g *startGate) open(h http.Handler) { g.h.Store(&h) }

// progress records the demo's loading progress.
func (g *startGate) progress(done, total int) {
	g.done.Store(int64(done))
	g.total.Store(int64(total))
}

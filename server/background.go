package server

import (
	"context"
	"sync"
)

// Background runs the server's background work until ctx is done: the
// webhook delivery worker and the sweep that opens the case a late failing
// test result should have opened (case_late.go). Start it with the HTTP
// server and cancel ctx to stop it; it returns when both have stopped.
func (s *Server) Background(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); newWebhookWorker(s).run(ctx) }()
	go func() { defer wg.Done(); s.late.run(ctx) }()
	wg.Wait()
}

package server

import (
	"context"
	"sync"

	"github.com/plumbline/plumbline/internal/webhook"
)

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

package server

import (
	"context"
	"sync"

	"github.com/plumbline/plumbline/internal/webhook"
)

// WebhookOptions configures webhook delivery (internal/webhook).
type WebhookOptions = webhook.Options

// Background runs the server's background work until ctx is done: the
// webhook delivery worker and the sweep that opens the case a late failing
// test result should have opened (case_late.go). It returns when both have
// stopped.
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

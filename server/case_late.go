package server

import (
	"context"

	"github.com/plumbline/plumbline/internal/app"
)

// A failing late test result opens its case in internal/app
// (late_results.go): right after the inspection commits, and in a sweep
// that cmd_serve runs beside the HTTP server.

// lateResults forwards to the late-result sweep of internal/app, which
// Background and the tests run. A lateResults made without a sweeper gets
// a fresh one, as a restarted server does.
type lateResults struct {
	s  *Server
	sw *app.LateResults
}

func (l *lateResults) sweeper() *app.LateResults {
	if l.sw == nil {
		l.sw = l.s.app.NewLateResults()
	}
	return l.sw
}

// sweep opens every case a late failing result should have opened.
func (l *lateResults) sweep(ctx context.Context) (int, error) { return l.sweeper().Sweep(ctx) }

// run sweeps at start and every few minutes until ctx is done.
func (l *lateResults) run(ctx context.Context) { l.sweeper().Run(ctx, 0) }

package server

import (
	"context"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/models"
)

// A failing late test result opens its case in internal/app
// (late_results.go): right after the inspection commits, and in a sweep
// that cmd_serve runs beside the HTTP server.

// lateResults forwards to the late-result use cases of internal/app: the
// inspection handlers call afterInspection, Background and the tests the
// sweep. A lateResults made without a sweeper gets a fresh one, as a
// restarted server does.
type lateResults struct {
	s  *Server
	sw *app.LateResults
}

// afterInspection is called after an inspection committed at seq.
func (l *lateResults) afterInspection(ctx context.Context, in models.Inspection, seq uint64) {
	l.s.app.AfterInspection(ctx, in, seq)
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

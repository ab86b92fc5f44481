package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// A late test result (a 28-day cube strength arriving after the pour) that
// fails opens a non-conformance against every place the batch and the
// batches made from it went into the works. "Late" means that the forward
// trace already had usages when the inspection committed.
//
// The inspection's use case calls AfterInspection right after the
// inspection commits: OpenCase is submitted as the inspecting user, with an
// idempotency key derived from the inspection's ID. A sweep at start and
// every few minutes (LateResults.Run, started beside the HTTP server)
// opens the case for any failing inspection that should have one and has
// none (the server crashed between the two transactions, or the inspection
// came in through another server or the API of another backend). The
// contract keeps one case per source inspection (models.PrefixCaseSource),
// so the two never open two cases. A batch already recalled gets no
// automatic case: the recall is the response to it.

// DefaultSweepEvery is how often LateResults.Run sweeps when not told.
const DefaultSweepEvery = 5 * time.Minute

// LateResults sweeps for the cases of late failing results.
type LateResults struct {
	a     *App
	mu    sync.Mutex
	after uint64 // failing inspections up to this read-model seq were examined
}

// NewLateResults returns a sweeper that has examined nothing yet, as a
// restarted server's has.
func (a *App) NewLateResults() *LateResults { return &LateResults{a: a} }

// LateResults returns the App's own sweeper, the one RunLateSweep runs.
func (a *App) LateResults() *LateResults { return a.work.late }

// RunLateSweep sweeps with the App's own sweeper at start and every every
// (zero: DefaultSweepEvery) until ctx is done.
func (a *App) RunLateSweep(ctx context.Context, every time.Duration) { a.work.late.Run(ctx, every) }

// lateKey is the idempotency key of the case opened from inspection id.
func lateKey(id string) string { return "late-result/" + id }

// openLateCase opens the case of the failing inspection in recorded at
// event seq, if its batch had been used by then; it reports whether it
// opened one.
func (a *App) openLateCase(ctx context.Context, in models.Inspection, seq uint64) (bool, error) {
	if in.Verdict != models.VerdictFail {
		return false, nil
	}
	st := a.opts.Store
	b, err := st.Batch(ctx, in.BatchCode)
	if err != nil {
		return false, err
	}
	if b.Status == models.StatusRecalled {
		return false, nil
	}
	tr, err := st.Forward(ctx, in.BatchCode, store.MaxTraceDepth)
	if err != nil {
		return false, err
	}
	if len(tr.Usages) == 0 || tr.Truncated || len(tr.Usages) > models.MaxCaseUsages {
		return false, nil
	}
	ids := make([]string, len(tr.Usages))
	for i, u := range tr.Usages {
		ids[i] = u.TxID
	}
	seqs, err := st.TxSeqs(ctx, ids)
	if err != nil {
		return false, err
	}
	late := false
	for _, id := range ids {
		late = late || seqs[id] != 0 && seqs[id] < seq
	}
	if !late {
		return false, nil
	}
	ev, err := st.Event(ctx, seq)
	if err != nil {
		return false, err
	}
	args := contract.OpenCaseArgs{Kind: models.CaseNonConformance, Batch: in.BatchCode, Severity: contract.SeverityHigh,
		Reason: lateReason(in), TargetDate: a.opts.Now().UTC().AddDate(0, 0, 14).Format(models.DateLayout), SourceInspection: in.ID}
	for _, u := range tr.Usages {
		args.Usages = append(args.Usages, u.ID)
	}
	u := &auth.User{ID: in.Inspector, OrgID: in.Agency, Role: ev.Role}
	if _, err := a.SubmitAs(ctx, u, "OpenCase", args, lateKey(in.ID)); err != nil {
		return false, fmt.Errorf("open the case of late result %s on %s: %w", in.ID, in.BatchCode, err)
	}
	return true, nil
}

// lateReason says why the automatic case was opened; it is stored on the
// ledger as data, in English like every other record. It names the failing
// properties but never copies the inspection's notes: those are private to
// organizations involved with the batch, while a case's reason goes to
// every affected organization, its notifications and webhooks.
func lateReason(in models.Inspection) string {
	s := "failing " + in.Type + " result after the material was placed"
	if len(in.OutOfSpec) > 0 {
		s += ": out of spec " + strings.Join(in.OutOfSpec, ", ")
	}
	if len(s) > models.MaxLine {
		s = s[:models.MaxLine]
	}
	return s
}

// AfterInspection is called after an inspection committed at seq; a case
// that cannot be opened now is left to the sweep.
func (a *App) AfterInspection(ctx context.Context, in models.Inspection, seq uint64) {
	if _, err := a.openLateCase(ctx, in, seq); err != nil {
		a.opts.Logger.Warn("late result: case not opened yet; the sweep will try again", "inspection", in.ID, "err", err)
	}
}

// Sweep opens every case a late failing result should have opened and
// returns how many it opened.
func (l *LateResults) Sweep(ctx context.Context) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.a.opts.Store
	opened := 0
	for {
		fs, err := st.FailuresWithoutCase(ctx, l.after, 100)
		if err != nil {
			return opened, err
		}
		for _, f := range fs {
			ids, err := st.TxSeqs(ctx, []string{f.Inspection.TxID})
			if err != nil {
				return opened, err
			}
			ok, err := l.a.openLateCase(ctx, f.Inspection, ids[f.Inspection.TxID])
			if err != nil {
				l.a.opts.Logger.Warn("late result sweep", "inspection", f.Inspection.ID, "err", err)
			}
			if ok {
				opened++
			}
			l.after = max(l.after, f.Seq)
		}
		if len(fs) < 100 {
			return opened, nil
		}
	}
}

// Run sweeps at start and every every (zero: DefaultSweepEvery) until ctx
// is done.
func (l *LateResults) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultSweepEvery
	}
	for {
		if n, err := l.Sweep(ctx); err != nil && ctx.Err() == nil {
			l.a.opts.Logger.Error("late result sweep", "err", err)
		} else if n > 0 {
			l.a.opts.Logger.Info("late result sweep opened cases", "cases", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

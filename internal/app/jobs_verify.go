package app

import (
	"context"
	"time"

	"github.com/plumbline/plumbline/internal/jobs"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
)

// The dashboard's "verify now" verifies the whole ledger as a job: at most
// one at a time, its progress shown while it runs, its result recorded in
// the store's verify runs when it ends, passed or failed. A verification
// the server's shutdown interrupts is not recorded: it neither passed nor
// failed.

// VerifyFunc verifies the whole ledger and returns the checkpoint it
// verified and how many entries it checked; progress, when set, hears how
// far it got. cmd_serve wires it to the ledger's ledger.Verifier.
type VerifyFunc func(ctx context.Context, progress func(done, total uint64)) (ledger.Checkpoint, uint64, error)

// VerifyProgress is how far a verification got.
type VerifyProgress struct {
	User      string    `json:"user"`
	StartedAt time.Time `json:"started_at"`
	Done      uint64    `json:"done"`
	Total     uint64    `json:"total"`
}

// VerifyJob is a verification job as it stands.
type VerifyJob = jobs.Job[VerifyProgress]

// verifyTimeout bounds a server-side verification.
const verifyTimeout = time.Hour

// verifyID is the ID of the one verification job.
const verifyID = "ledger"

func newVerifyKind(t *jobs.Table) *jobs.Kind[VerifyProgress] {
	return jobs.NewKind(t, jobs.Config[VerifyProgress]{Name: "verify", Max: 1})
}

// StartVerify starts verifying the ledger with verify for user, unless a
// verification is running already; it reports whether it started one.
func (a *App) StartVerify(user string, verify VerifyFunc) (bool, error) {
	started := a.opts.Now()
	_, done, err := a.work.verify.Start(verifyID, user, 0, VerifyProgress{User: user, StartedAt: started.UTC()},
		func(owner context.Context, h *jobs.Handle[VerifyProgress]) error {
			return a.verifyLedger(owner, h, user, verify)
		})
	if err != nil {
		return false, startError(err, "verifications", 1)
	}
	return done != nil, nil
}

// verifyLedger runs verify through VerifyLedger, which records its result.
func (a *App) verifyLedger(owner context.Context, h *jobs.Handle[VerifyProgress], user string, verify VerifyFunc) error {
	ctx, cancel := context.WithTimeout(owner, verifyTimeout)
	defer cancel()
	all := func(ctx context.Context, progress func(done, total uint64)) (ledger.Verification, error) {
		cp, n, err := verify(ctx, progress)
		return ledger.Verification{Checkpoint: cp, Entries: n}, err
	}
	_, err := a.VerifyLedger(ctx, all, VerifyRequest{Source: store.VerifyServer, User: user,
		Progress: func(done, total uint64) {
			h.Update(func(j *VerifyJob) { j.Data.Done, j.Data.Total = done, total })
		}})
	if owner.Err() != nil {
		return owner.Err()
	}
	if err != nil {
		a.opts.Logger.Error("ledger verification failed", "err", err)
	}
	return nil
}

// RunningVerify returns the verification under way, if any.
func (a *App) RunningVerify() (VerifyProgress, bool) {
	j, ok := a.work.verify.Get(verifyID)
	if !ok || j.State != jobs.Running {
		return VerifyProgress{}, false
	}
	return j.Data, true
}

// WaitVerify waits until no verification is running.
func (a *App) WaitVerify() {
	<-a.work.verify.Stopped(verifyID)
}

package app

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/internal/jobs"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// The long-running work a request starts — imports (jobs_import.go),
// EPCIS captures (jobs_capture.go) and the ledger verification
// (jobs_verify.go) — runs in the one job table of Options.Jobs, on its
// owner context, so that shutting the table down lets each finish within
// the grace period or stops it at a safe boundary.

// Bounds of the job table, per kind: the oldest finished job makes room
// for a new one; when all are running a new one is refused.
const (
	MaxImportJobs  = 64
	MaxCaptureJobs = 16
)

// work is the App's kinds of jobs and its background state.
type work struct {
	imports  *jobs.Kind[ImportProgress]
	captures *jobs.Kind[epcis.CaptureProgress]
	verify   *jobs.Kind[VerifyProgress]
	late     *LateResults // the sweep RunLateSweep runs (late_results.go)
	// captureChunk is how many events a proceed capture commits per
	// group; zero means internal/epcis's default (tests lower it).
	captureChunk int
}

func newWork(t *jobs.Table) *work {
	return &work{
		imports:  newImportKind(t),
		captures: newCaptureKind(t),
		verify:   newVerifyKind(t),
	}
}

// jobID derives a job's ID from who sends which bytes how, so sending the
// same file or document again finds the same job (and the same
// idempotency keys).
func jobID(userID, how string, data []byte) string {
	h := sha256.New()
	h.Write([]byte(userID + "\n" + how + "\n"))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// startError says why a job of what (imports, captures) did not start.
func startError(err error, what string, max int) error {
	switch {
	case errors.Is(err, jobs.ErrFull):
		return models.Conflict("", "%d %s are running; try again when one has finished", max, what)
	case errors.Is(err, jobs.ErrClosed):
		return fmt.Errorf("%w: the server is shutting down; try again when it is back", ledger.ErrUnavailable)
	}
	return err
}

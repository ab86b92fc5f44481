package server

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/models"
)

// Ledger health: the seed's yardsticks — security (the last verification
// and the signed checkpoint), transaction speed (commit latency) and
// efficiency (group size, throughput) — from the ledger, the verify runs
// recorded in the store and the commit window kept by CommitObserver.

// VerifyFunc verifies the whole ledger for the dashboard's "verify now"
// (internal/app runs it as a job). cmd_serve wires it to the ledger's
// ledger.Verifier; nil (on Fabric) hides the "verify now" button.
type VerifyFunc = app.VerifyFunc

// The ledger health figure is the use case's.
type (
	dashLedger     = app.DashLedger
	verifyProgress = app.VerifyProgress
)

// ledgerData is the ledger health figure.
func (a *dashArea) ledgerData(ctx context.Context, _ dashQuery) (dashLedger, error) {
	return a.s.app.DashLedger(ctx, a.s.opts.LedgerKind)
}

// verifyJob is the dashboard's handle on the ledger verification, which
// runs as a job of internal/app (jobs_verify.go).
type verifyJob struct {
	wg verifyWait // waits for the running verification (tests)
}

// verifyWait waits for the app's running verification.
type verifyWait struct{ app *app.App }

// Wait returns once no verification is running.
func (w verifyWait) Wait() { w.app.WaitVerify() }

// verifyRunning is the verification under way, if any.
func (s *Server) verifyRunning() *verifyProgress {
	p, ok := s.app.RunningVerify()
	if !ok {
		return nil
	}
	return &p
}

// startVerify starts verifying the ledger in the background, unless a
// verification is running already; it reports whether it started one. The
// run is recorded when it ends, passed or failed (not when shutdown
// interrupts it).
func (a *dashArea) startVerify(user string) (bool, error) {
	s := a.s
	if s.opts.Verify == nil {
		return false, models.Invalid("", "this server's ledger (%s) is verified by its peers, not by Plumbline", s.opts.LedgerKind)
	}
	return s.app.StartVerify(user, s.opts.Verify)
}

// verifyNow serves POST /operations/verify (and the older
// /manager/verify): an organization administrator starts a verification
// of the whole ledger, whose progress the operations page shows.
func (a *dashArea) verifyNow(c *gin.Context) {
	u := currentUser(c)
	if u.Role != models.RoleAdmin {
		a.s.failPage(c, models.Forbidden("only administrators may start a verification of the ledger"))
		return
	}
	started, err := a.startVerify(u.ID)
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	msg := "fig.verify.started"
	if !started {
		msg = "fig.verify.already"
	}
	a.s.flash(c, a.s.loc(c).T(msg))
	c.Redirect(http.StatusSeeOther, "/operations#chart-ledger")
}

// apiVerify serves POST /api/v1/ledger/verify.
func (a *dashArea) apiVerify(c *gin.Context) {
	u := currentUser(c)
	if u.Role != models.RoleAdmin {
		a.s.fail(c, models.Forbidden("only administrators may start a verification of the ledger"))
		return
	}
	started, err := a.startVerify(u.ID)
	if err != nil {
		a.s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, verifyStarted{Started: started, Running: a.s.verifyRunning()})
}

// verifyStarted answers POST /api/v1/ledger/verify.
type verifyStarted struct {
	// Started is false when a verification was already running.
	Started bool `json:"started"`
	// Running is the verification's progress (absent once it ended);
	// its result shows in GET /api/v1/dashboard/ledger as last_verify.
	Running *verifyProgress `json:"running,omitempty"`
}

// dashState is the dashboards' server-wide state: the running ledger
// verification.
type dashState struct {
	verify verifyJob
}

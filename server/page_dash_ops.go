package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/models"
)

// The operations page: what whoever runs the server watches — the ledger's
// health (entries, the signed checkpoint, witnesses, the last verification
// and "verify now") and this server's commits (throughput, group size,
// p50/p99 commit latency per minute). It used to sit among the manager's
// supply-chain charts, which are about deliveries and quality, not about
// the machine.

// opsPage is what templates/dash_operations.html gets.
type opsPage struct {
	Charts    []*dashChart
	Ledger    dashLedger
	CanVerify bool // the viewer may start a verification
}

// operations serves GET /operations. It is linked in the menu of the
// roles that saw ledger health on /manager (organization admins and
// viewers); like the ledger health API it is open to any logged-in user.
func (a *dashArea) operations(c *gin.Context) {
	ctx := c.Request.Context()
	q, err := a.dashQueryOf(c)
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	n, err := a.s.app.Names(ctx)
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	p := &opsPage{}
	if p.Charts, err = a.buildCharts(ctx, q, nil, a.s.loc(c), n, true); err != nil {
		a.s.failPage(c, err)
		return
	}
	if p.Ledger, err = a.ledgerData(ctx, q); err != nil {
		a.s.failPage(c, err)
		return
	}
	p.CanVerify = a.s.opts.Verify != nil && currentUser(c).Role == models.RoleAdmin
	a.s.page(c, http.StatusOK, "dash_operations", a.s.view(c, "operations", p))
}

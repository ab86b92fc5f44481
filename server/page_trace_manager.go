package server

import (
	"net/http"
	"slices"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/models"
)

// dashboardResponse is the manager's dashboard (app.Dashboard).
type dashboardResponse = app.Dashboard

// apiDashboard serves GET /api/v1/dashboard.
func (t *traceArea) apiDashboard(c *gin.Context) {
	q, err := t.dashQueryOf(c)
	if err != nil {
		t.s.fail(c, err)
		return
	}
	r, err := t.s.app.Dashboard(c.Request.Context(), q)
	if err != nil {
		t.s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// managerPage is what templates/trace_manager.html gets.
type managerPage struct {
	dashboardResponse
	Names names
	// The charts and what they show.
	Charts      []*dashChart
	Weeks       int
	WeekOptions []int
	By          string
	ProjectWide bool                  // the viewer may pick the scope
	Orgs        []models.Organization // to pick from, by name
	Ledger      dashLedger
	CanVerify   bool // the viewer may start a verification
}

// manager serves GET /manager, the manager's dashboard: the figures and
// charts for the viewer's scope (api_dash.go), then the week's lists.
func (t *traceArea) manager(c *gin.Context) {
	ctx := c.Request.Context()
	q, err := t.dashQueryOf(c)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	r, err := t.s.app.Dashboard(ctx, q)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	n, err := t.s.app.Names(ctx)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	p := &managerPage{dashboardResponse: r, Names: n, Weeks: q.Weeks, By: q.By, ProjectWide: access.SeesAll(t.s.viewerOrg(c)),
		WeekOptions: []int{4, 8, 12, 16, 26, 52}}
	if !slices.Contains(p.WeekOptions, q.Weeks) {
		p.WeekOptions = append(p.WeekOptions, q.Weeks)
		slices.Sort(p.WeekOptions)
	}
	if p.Charts, err = t.buildCharts(ctx, q, dashParams(c), t.s.loc(c), n); err != nil {
		t.s.failPage(c, err)
		return
	}
	if p.Ledger, err = t.ledgerData(ctx, q); err != nil {
		t.s.failPage(c, err)
		return
	}
	p.CanVerify = t.s.opts.Verify != nil && currentUser(c).Role == models.RoleAdmin
	if p.ProjectWide {
		orgs, err := t.orgMap(ctx)
		if err != nil {
			t.s.failPage(c, err)
			return
		}
		for _, o := range orgs {
			p.Orgs = append(p.Orgs, o)
		}
		sort.Slice(p.Orgs, func(i, j int) bool { return p.Orgs[i].Name < p.Orgs[j].Name })
	}
	t.s.page(c, http.StatusOK, "trace_manager", t.s.view(c, "manager", p))
}

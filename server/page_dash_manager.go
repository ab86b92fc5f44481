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

// dashboardResponse is the manager's dashboard (app.DashboardResponse).
type dashboardResponse = app.DashboardResponse

// apiDashboard serves GET /api/v1/dashboard.
func (a *dashArea) apiDashboard(c *gin.Context) {
	q, err := a.dashQueryOf(c)
	if err != nil {
		a.s.fail(c, err)
		return
	}
	r, err := a.s.app.Dashboard(c.Request.Context(), q)
	if err != nil {
		a.s.fail(c, err)
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
}

// manager serves GET /manager, the manager's dashboard: the figures and
// charts for the viewer's scope (api_dash.go), then the week's lists.
func (a *dashArea) manager(c *gin.Context) {
	ctx := c.Request.Context()
	q, err := a.dashQueryOf(c)
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	r, err := a.s.app.Dashboard(ctx, q)
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	n, err := a.s.app.NamesIn(ctx, lang(c))
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	p := &managerPage{dashboardResponse: r, Names: n, Weeks: q.Weeks, By: q.By, ProjectWide: access.SeesAll(a.s.viewerOrg(c)),
		WeekOptions: []int{4, 8, 12, 16, 26, 52}}
	if !slices.Contains(p.WeekOptions, q.Weeks) {
		p.WeekOptions = append(p.WeekOptions, q.Weeks)
		slices.Sort(p.WeekOptions)
	}
	if p.Charts, err = a.buildCharts(ctx, q, dashParams(c), a.s.loc(c), n, false); err != nil {
		a.s.failPage(c, err)
		return
	}
	if p.ProjectWide {
		orgs, err := a.s.app.Organizations(ctx)
		if err != nil {
			a.s.failPage(c, err)
			return
		}
		for _, o := range orgs {
			p.Orgs = append(p.Orgs, o)
		}
		sort.Slice(p.Orgs, func(i, j int) bool { return p.Orgs[i].Name < p.Orgs[j].Name })
	}
	a.s.page(c, http.StatusOK, "trace_manager", a.s.view(c, "manager", p))
}

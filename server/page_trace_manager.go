package server

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/models"
)

// dashboardResponse is the manager's dashboard (GET /api/v1/dashboard and
// the /manager page): deliveries received in the last 7 days, batches on
// hold, failed inspections of the last 30 days and recalls. Authorities
// and inspection agencies see the whole project (or one organization with
// ?org=); anyone else sees their own organization's part (deliveries to
// it, holds in its custody, failed inspections it made or of batches it
// produced, owns or holds); recalls are for everyone. See api_dash.go.
type dashboardResponse struct {
	Scope              string              `json:"scope"` // "all" or the organization's ID
	Since              time.Time           `json:"deliveries_since"`
	FailedSince        time.Time           `json:"failed_since"`
	Deliveries         []models.Shipment   `json:"deliveries"`
	Holds              []models.Batch      `json:"holds"`
	FailedInspections  []models.Inspection `json:"failed_inspections"`
	Recalls            []models.Recall     `json:"recalls"`
	DeliveriesQuantity map[string]string   `json:"delivered_quantity"` // unit → accepted quantity
}

// dashboardLimit bounds each dashboard list.
const dashboardLimit = 200

func (t *traceArea) dashboardData(ctx context.Context, q dashQuery) (dashboardResponse, error) {
	now := q.Now
	r := dashboardResponse{Scope: q.ScopeName(), Since: now.AddDate(0, 0, -7).UTC(), FailedSince: now.AddDate(0, 0, -30).UTC(), DeliveriesQuantity: map[string]string{}}
	scope := q.Scope
	st := t.s.opts.Store
	var err error
	if r.Deliveries, err = st.ReceivedSince(ctx, scope, r.Since, dashboardLimit); err != nil {
		return r, err
	}
	if r.Holds, err = st.Holds(ctx, scope, dashboardLimit); err != nil {
		return r, err
	}
	if r.FailedInspections, err = st.FailedInspectionsSince(ctx, scope, r.FailedSince, dashboardLimit); err != nil {
		return r, err
	}
	pg, err := st.RecallPage(ctx, "", dashboardLimit)
	if err != nil {
		return r, err
	}
	r.Recalls = pg.Items
	sums := map[string]models.Decimal{}
	for _, sh := range r.Deliveries {
		for _, l := range sh.Lines {
			if b, err := t.s.app.Trace(ctx, l.Batch); err == nil {
				sums[b.Batch.Unit], _ = sums[b.Batch.Unit].Add(l.Accepted)
			}
		}
	}
	for u, q := range sums {
		r.DeliveriesQuantity[u] = q.String()
	}
	for _, l := range []*[]models.Shipment{&r.Deliveries} {
		if *l == nil {
			*l = []models.Shipment{}
		}
	}
	if r.Holds == nil {
		r.Holds = []models.Batch{}
	}
	if r.FailedInspections == nil {
		r.FailedInspections = []models.Inspection{}
	}
	if r.Recalls == nil {
		r.Recalls = []models.Recall{}
	}
	return r, nil
}

// apiDashboard serves GET /api/v1/dashboard.
func (t *traceArea) apiDashboard(c *gin.Context) {
	q, err := t.dashQueryOf(c)
	if err != nil {
		t.s.fail(c, err)
		return
	}
	r, err := t.dashboardData(c.Request.Context(), q)
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
	r, err := t.dashboardData(ctx, q)
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

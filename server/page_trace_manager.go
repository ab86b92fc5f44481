package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// dashboardResponse is the manager's dashboard (GET /api/v1/dashboard and
// the /manager page): deliveries received in the last 7 days, batches on
// hold, failed inspections of the last 30 days and recalls. Authorities
// see the whole consortium; anyone else sees their own organization's
// part (deliveries to it, holds in its custody, failed inspections it made
// or of batches it produced, owns or holds); recalls are for everyone.
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

func (t *traceArea) dashboardData(ctx context.Context, org *models.Organization) (dashboardResponse, error) {
	now := t.s.opts.Now()
	r := dashboardResponse{Scope: "all", Since: now.AddDate(0, 0, -7).UTC(), FailedSince: now.AddDate(0, 0, -30).UTC(), DeliveriesQuantity: map[string]string{}}
	scope := ""
	if org == nil || org.Kind != models.KindAuthority {
		if org == nil {
			return r, models.Forbidden("log in first")
		}
		scope, r.Scope = org.ID, org.ID
	}
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
			if b, err := t.traceOf(ctx, l.Batch); err == nil {
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
	r, err := t.dashboardData(c.Request.Context(), t.viewerOrg(c))
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
}

// manager serves GET /manager, the manager's dashboard.
func (t *traceArea) manager(c *gin.Context) {
	ctx := c.Request.Context()
	r, err := t.dashboardData(ctx, t.viewerOrg(c))
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	n, err := t.names(ctx)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	t.s.page(c, http.StatusOK, "trace_manager", t.s.view(c, "manager", &managerPage{dashboardResponse: r, Names: n}))
}

// labelsPage is what templates/trace_labels.html gets.
type labelsPage struct {
	By      string // custodian or producer
	Batches []models.Batch
	Names   names
	Next    string
}

// labels serves GET /labels: the organization's batches to pick for a
// label sheet (those it holds, or with ?by=producer those it made).
func (t *traceArea) labels(c *gin.Context) {
	ctx := c.Request.Context()
	org := currentUser(c).OrgID
	p := &labelsPage{By: "custodian"}
	f := store.BatchFilter{Custodian: org, Order: store.ByRecent, After: c.Query("after")}
	if c.Query("by") == "producer" {
		p.By, f.Custodian, f.Producer = "producer", "", org
	}
	pg, err := t.s.opts.Store.Batches(ctx, f)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	if p.Names, err = t.names(ctx); err != nil {
		t.s.failPage(c, err)
		return
	}
	p.Batches, p.Next = pg.Items, pg.Next
	t.s.page(c, http.StatusOK, "trace_labels", t.s.view(c, "labels", p))
}

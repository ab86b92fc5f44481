package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// The dashboards' figures (GET /api/v1/dashboard/{chart}, the charts on
// /manager and their CSV downloads). Who sees what:
//
//   - Authorities (the project owner, the building authority) and
//     inspection agencies see the whole project, as they already see every
//     batch's private details; they may narrow it to one organization with
//     ?org=ID.
//   - Everyone else sees their own organization's part: deliveries it sent,
//     received or carried, orders it placed or received, inspections it
//     made or of batches it produced, owns or holds, holds of such batches.
//   - Recalls are public notices and ledger health is about the shared
//     ledger: every logged-in user sees them.

// dashQuery is what a dashboard request asks for.
type dashQuery struct {
	Scope string // "" for the whole project, else an organization ID
	Weeks int
	By    string // store.BySupplier or store.ByProduct
	Now   time.Time
	From  time.Time // the first week's Monday
	To    time.Time // the Monday after the current week
}

// Dashboard defaults and bounds.
const (
	dashWeeksDefault = 12
	dashWeeksMax     = 104
)

// dashQueryOf reads ?org=, ?weeks= and ?by= for the viewer.
func (t *traceArea) dashQueryOf(c *gin.Context) (dashQuery, error) {
	org := t.viewerOrg(c)
	if org == nil {
		return dashQuery{}, models.Forbidden("your organization is not registered on the ledger yet, so it has no figures")
	}
	q := newDashQuery(org, t.s.opts.Now())
	switch want := c.Query("org"); {
	case want == "" || want == org.ID:
		if want == org.ID {
			q.Scope = org.ID
		}
	case !access.SeesAll(org):
		return q, models.Forbidden("you see your own organization's figures; only authorities and inspection agencies see other organizations' or the whole project's")
	case want == "all":
		q.Scope = ""
	default:
		orgs, err := t.orgMap(c.Request.Context())
		if err != nil {
			return q, err
		}
		if _, ok := orgs[want]; !ok {
			return q, models.NotFound("org", "there is no organization %q; leave org empty (or all) for the whole project", want)
		}
		q.Scope = want
	}
	if w := c.Query("weeks"); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 || n > dashWeeksMax {
			return q, models.Invalid("weeks", "%q is not a number of weeks from 1 to %d", w, dashWeeksMax)
		}
		q.Weeks = n
	}
	switch by := c.Query("by"); by {
	case "", store.BySupplier:
	case store.ByProduct:
		q.By = by
	default:
		return q, models.Invalid("by", "%q is neither supplier nor product", by)
	}
	q.window(q.Weeks)
	return q, nil
}

// newDashQuery is the default query for the organization at now: its
// default scope, the last dashWeeksDefault weeks, by supplier.
func newDashQuery(org *models.Organization, now time.Time) dashQuery {
	q := dashQuery{Scope: org.ID, By: store.BySupplier, Now: now.UTC()}
	if access.SeesAll(org) {
		q.Scope = ""
	}
	q.window(dashWeeksDefault)
	return q
}

// window sets the query's span to the last weeks weeks, this one included.
func (q *dashQuery) window(weeks int) {
	week := store.WeekStart(q.Now)
	q.Weeks = weeks
	q.From, q.To = week.AddDate(0, 0, -7*(weeks-1)), week.AddDate(0, 0, 7)
}

// scopeName is "all" or the organization ID, for responses.
func (q dashQuery) scopeName() string {
	if q.Scope == "" {
		return "all"
	}
	return q.Scope
}

// dashWindow says whose figures over which weeks a response holds.
type dashWindow struct {
	Scope string    `json:"scope"` // "all" or an organization ID
	From  time.Time `json:"from"`  // inclusive, a Monday (UTC)
	To    time.Time `json:"to"`    // exclusive
}

func (q dashQuery) span() dashWindow {
	return dashWindow{Scope: q.scopeName(), From: q.From, To: q.To}
}

// dashDeliveries is GET /api/v1/dashboard/deliveries.
type dashDeliveries struct {
	dashWindow
	By    string               `json:"by"`
	Weeks []string             `json:"weeks"` // every week's Monday in the window, oldest first
	Items []store.DeliveryWeek `json:"items"`
}

func (t *traceArea) deliveriesData(ctx context.Context, q dashQuery) (dashDeliveries, error) {
	items, err := t.s.dashDeliveries(ctx, q)
	r := dashDeliveries{dashWindow: q.span(), By: q.By, Items: items}
	for w := q.From; w.Before(q.To); w = w.AddDate(0, 0, 7) {
		r.Weeks = append(r.Weeks, w.Format(models.DateLayout))
	}
	return r, err
}

// onTimeRate is one supplier's on-time delivery.
type onTimeRate struct {
	store.OnTime
	// Rate is OnTime / Lines in percent, rounded to 0.1.
	Rate float64 `json:"on_time_percent"`
}

// dashOnTime is GET /api/v1/dashboard/on-time.
type dashOnTime struct {
	dashWindow
	Items []onTimeRate `json:"items"`
}

func (t *traceArea) onTimeData(ctx context.Context, q dashQuery) (dashOnTime, error) {
	rs, err := t.s.dashOnTime(ctx, q)
	r := dashOnTime{dashWindow: q.span(), Items: []onTimeRate{}}
	for _, o := range rs {
		r.Items = append(r.Items, onTimeRate{OnTime: o, Rate: percent(o.OnTime, o.Lines)})
	}
	return r, err
}

// failureRate is one product's or supplier's inspection record.
type failureRate struct {
	store.InspectionRate
	Rate float64 `json:"failed_percent"`
}

// dashInspections is GET /api/v1/dashboard/inspections.
type dashInspections struct {
	dashWindow
	By    string        `json:"by"`
	Items []failureRate `json:"items"`
}

func (t *traceArea) inspectionsData(ctx context.Context, q dashQuery) (dashInspections, error) {
	rs, err := t.s.dashRates(ctx, q, q.By)
	r := dashInspections{dashWindow: q.span(), By: q.By, Items: []failureRate{}}
	for _, x := range rs {
		r.Items = append(r.Items, failureRate{InspectionRate: x, Rate: percent(x.Failed, x.Inspections)})
	}
	return r, err
}

// percent is n/of in percent rounded to 0.1; 0 when of is 0.
func percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(int(float64(n)*1000/float64(of)+0.5)) / 10
}

// holdBuckets are the hold age buckets, in days: [0,1), [1,7), [7,30), [30,∞).
var holdBuckets = []struct {
	ID       string // machine name and message suffix
	From, To int    // days; To 0 means no end
}{{"lt1d", 0, 1}, {"1to7d", 1, 7}, {"7to30d", 7, 30}, {"ge30d", 30, 0}}

// holdBucket counts open holds of one age.
type holdBucket struct {
	Bucket  string `json:"bucket"`
	MinDays int    `json:"min_days"`
	MaxDays int    `json:"max_days,omitempty"` // exclusive; absent for the last
	Count   int    `json:"count"`
}

// holdAge is an open hold and how old it is.
type holdAge struct {
	store.HoldAge
	AgeDays float64 `json:"age_days"`
}

// dashHolds is GET /api/v1/dashboard/holds.
type dashHolds struct {
	Scope   string       `json:"scope"`
	At      time.Time    `json:"at"`
	Buckets []holdBucket `json:"buckets"`
	Items   []holdAge    `json:"items"` // oldest first
}

func (t *traceArea) holdsData(ctx context.Context, q dashQuery) (dashHolds, error) {
	rs, err := t.s.dashHoldAges(ctx, q)
	r := dashHolds{Scope: q.scopeName(), At: q.Now, Items: []holdAge{}}
	for _, b := range holdBuckets {
		r.Buckets = append(r.Buckets, holdBucket{Bucket: b.ID, MinDays: b.From, MaxDays: b.To})
	}
	for _, h := range rs {
		age := max(q.Now.Sub(h.Since), 0)
		days := age.Hours() / 24
		r.Items = append(r.Items, holdAge{HoldAge: h, AgeDays: float64(int(days*10)) / 10})
		for i, b := range holdBuckets {
			if days >= float64(b.From) && (b.To == 0 || days < float64(b.To)) {
				r.Buckets[i].Count++
				break
			}
		}
	}
	return r, err
}

// apiDash serves GET /api/v1/dashboard/{chart} with the figure's data.
func apiDash[T any](t *traceArea, data func(*traceArea, context.Context, dashQuery) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		q, err := t.dashQueryOf(c)
		if err != nil {
			t.s.fail(c, err)
			return
		}
		r, err := data(t, c.Request.Context(), q)
		if err != nil {
			t.s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, r)
	}
}

// dashQueryDoc documents the dashboard figures' query parameters.
var dashQueryDoc = []string{
	"org: all (the whole project) or an organization ID; authorities and inspection agencies only, others see their own",
	"weeks: 1-104 weeks up to this one, default 12",
	"by: supplier (default) or product",
}

// caseProgress is one open recall or non-conformance case and how far
// the affected organizations got with it.
type caseProgress struct {
	store.CaseSummary
	// AckPercent is AckedOrgs of Orgs, DispositionPercent Dispositioned
	// of Usages, in percent rounded to 0.1 (100 when there are none).
	AckPercent         float64 `json:"acknowledged_percent"`
	DispositionPercent float64 `json:"dispositioned_percent"`
	AgeDays            float64 `json:"age_days"`
	Overdue            bool    `json:"overdue"` // open past its target date
}

// dashRecalls is GET /api/v1/dashboard/recalls.
type dashRecalls struct {
	Scope string         `json:"scope"`
	At    time.Time      `json:"at"`
	Items []caseProgress `json:"items"` // oldest first
}

// dashCasesMax bounds the open cases a dashboard lists.
const dashCasesMax = 200

// recallsData lists the open recall and non-conformance cases the scope
// is party to (affected by or opened by; every case for the whole
// project), oldest first, with their progress.
func (t *traceArea) recallsData(ctx context.Context, q dashQuery) (dashRecalls, error) {
	cs, err := t.s.dashCases(ctx, q)
	r := dashRecalls{Scope: q.scopeName(), At: q.Now, Items: []caseProgress{}}
	done := func(n, of int) float64 {
		if of == 0 {
			return 100
		}
		return percent(n, of)
	}
	for _, c := range cs {
		r.Items = append(r.Items, caseProgress{CaseSummary: c, AckPercent: done(c.AckedOrgs, c.Orgs), DispositionPercent: done(c.Dispositioned, c.Usages),
			AgeDays: float64(int(c.Age(q.Now).Hours()/24*10)) / 10, Overdue: c.Overdue(q.Now)})
	}
	return r, err
}

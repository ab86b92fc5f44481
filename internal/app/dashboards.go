package app

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// The dashboards' figures (deliveries, on-time, inspections, holds,
// recalls). Who sees what:
//
//   - Authorities (the project owner, the building authority) and
//     inspection agencies see the whole project, as they already see every
//     batch's private details; they may narrow it to one organization.
//   - Everyone else sees their own organization's part: deliveries it sent,
//     received or carried, orders it placed or received, inspections it
//     made or of batches it produced, owns or holds, holds of such batches.
//   - Recalls are public notices: every logged-in user sees them.

// DashQuery is what a dashboard request asks for.
type DashQuery struct {
	Scope string // "" for the whole project, else an organization ID
	Weeks int
	By    string // store.BySupplier or store.ByProduct
	Now   time.Time
	From  time.Time // the first week's Monday
	To    time.Time // the Monday after the current week
}

// Dashboard defaults and bounds.
const (
	DashWeeksDefault = 12
	DashWeeksMax     = 104
)

// NewDashQuery is the default query for the organization at now: its
// default scope, the last DashWeeksDefault weeks, by supplier.
func NewDashQuery(org *models.Organization, now time.Time) DashQuery {
	q := DashQuery{Scope: org.ID, By: store.BySupplier, Now: now.UTC()}
	if access.SeesAll(org) {
		q.Scope = ""
	}
	q.Window(DashWeeksDefault)
	return q
}

// DashQueryFor checks what viewer asks for: org ("" for the default scope,
// "all" for the whole project, or an organization ID), weeks ("" for the
// default) and by ("", supplier or product).
func (a *App) DashQueryFor(ctx context.Context, viewer *models.Organization, org, weeks, by string) (DashQuery, error) {
	if viewer == nil {
		return DashQuery{}, models.Forbidden("your organization is not registered on the ledger yet, so it has no figures")
	}
	q := NewDashQuery(viewer, a.opts.Now())
	switch {
	case org == "" || org == viewer.ID:
		if org == viewer.ID {
			q.Scope = viewer.ID
		}
	case !access.SeesAll(viewer):
		return q, models.Forbidden("you see your own organization's figures; only authorities and inspection agencies see other organizations' or the whole project's")
	case org == "all":
		q.Scope = ""
	default:
		if _, err := a.opts.Store.Organization(ctx, org); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return q, models.NotFound("org", "there is no organization %q; leave org empty (or all) for the whole project", org)
			}
			return q, err
		}
		q.Scope = org
	}
	if weeks != "" {
		n, err := strconv.Atoi(weeks)
		if err != nil || n < 1 || n > DashWeeksMax {
			return q, models.Invalid("weeks", "%q is not a number of weeks from 1 to %d", weeks, DashWeeksMax)
		}
		q.Weeks = n
	}
	switch by {
	case "", store.BySupplier:
	case store.ByProduct:
		q.By = by
	default:
		return q, models.Invalid("by", "%q is neither supplier nor product", by)
	}
	q.Window(q.Weeks)
	return q, nil
}

// Window sets the query's span to the last weeks weeks, this one included.
func (q *DashQuery) Window(weeks int) {
	week := store.WeekStart(q.Now)
	q.Weeks = weeks
	q.From, q.To = week.AddDate(0, 0, -7*(weeks-1)), week.AddDate(0, 0, 7)
}

// ScopeName is "all" or the organization ID, for responses.
func (q DashQuery) ScopeName() string {
	if q.Scope == "" {
		return "all"
	}
	return q.Scope
}

// DashWindow says whose figures over which weeks a response holds.
type DashWindow struct {
	Scope string    `json:"scope"` // "all" or an organization ID
	From  time.Time `json:"from"`  // inclusive, a Monday (UTC)
	To    time.Time `json:"to"`    // exclusive
}

// Span is the query's window.
func (q DashQuery) Span() DashWindow {
	return DashWindow{Scope: q.ScopeName(), From: q.From, To: q.To}
}

// DashDeliveries is the deliveries figure.
type DashDeliveries struct {
	DashWindow
	By    string               `json:"by"`
	Weeks []string             `json:"weeks"` // every week's Monday in the window, oldest first
	Items []store.DeliveryWeek `json:"items"`
}

// Deliveries counts the shipments of the query's scope per week and
// supplier or product.
func (a *App) Deliveries(ctx context.Context, q DashQuery) (DashDeliveries, error) {
	items, err := dashCached(a, dashKey("deliveries", q.Scope, day(q.From), day(q.To), q.By), func() ([]store.DeliveryWeek, error) {
		return a.opts.Store.Deliveries(ctx, q.Scope, q.From, q.To, q.By)
	})
	r := DashDeliveries{DashWindow: q.Span(), By: q.By, Items: items}
	for w := q.From; w.Before(q.To); w = w.AddDate(0, 0, 7) {
		r.Weeks = append(r.Weeks, w.Format(models.DateLayout))
	}
	return r, err
}

// OnTimeRate is one supplier's on-time delivery.
type OnTimeRate struct {
	store.OnTime
	// Rate is OnTime / Lines in percent, rounded to 0.1.
	Rate float64 `json:"on_time_percent"`
}

// DashOnTime is the on-time figure.
type DashOnTime struct {
	DashWindow
	Items []OnTimeRate `json:"items"`
}

// OnTime rates each supplier's deliveries against the orders' dates.
func (a *App) OnTime(ctx context.Context, q DashQuery) (DashOnTime, error) {
	rs, err := dashCached(a, dashKey("on-time", q.Scope, day(q.From), day(q.To), day(q.Now)), func() ([]store.OnTime, error) {
		return a.opts.Store.OnTimeBySupplier(ctx, q.Scope, q.From, q.To, q.Now)
	})
	r := DashOnTime{DashWindow: q.Span(), Items: []OnTimeRate{}}
	for _, o := range rs {
		r.Items = append(r.Items, OnTimeRate{OnTime: o, Rate: Percent(o.OnTime, o.Lines)})
	}
	return r, err
}

// FailureRate is one product's or supplier's inspection record.
type FailureRate struct {
	store.InspectionRate
	Rate float64 `json:"failed_percent"`
}

// DashInspections is the inspections figure.
type DashInspections struct {
	DashWindow
	By    string        `json:"by"`
	Items []FailureRate `json:"items"`
}

// Inspections rates failed inspections per supplier or product.
func (a *App) Inspections(ctx context.Context, q DashQuery) (DashInspections, error) {
	rs, err := dashCached(a, dashKey("inspections", q.Scope, day(q.From), day(q.To), q.By), func() ([]store.InspectionRate, error) {
		return a.opts.Store.InspectionRates(ctx, q.Scope, q.From, q.To, q.By)
	})
	r := DashInspections{DashWindow: q.Span(), By: q.By, Items: []FailureRate{}}
	for _, x := range rs {
		r.Items = append(r.Items, FailureRate{InspectionRate: x, Rate: Percent(x.Failed, x.Inspections)})
	}
	return r, err
}

// Percent is n/of in percent rounded to 0.1; 0 when of is 0.
func Percent(n, of int) float64 {
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

// HoldBucket counts open holds of one age.
type HoldBucket struct {
	Bucket  string `json:"bucket"`
	MinDays int    `json:"min_days"`
	MaxDays int    `json:"max_days,omitempty"` // exclusive; absent for the last
	Count   int    `json:"count"`
}

// HoldAge is an open hold and how old it is.
type HoldAge struct {
	store.HoldAge
	AgeDays float64 `json:"age_days"`
}

// DashHolds is the holds figure.
type DashHolds struct {
	Scope   string       `json:"scope"`
	At      time.Time    `json:"at"`
	Buckets []HoldBucket `json:"buckets"`
	Items   []HoldAge    `json:"items"` // oldest first
}

// Holds lists the scope's open holds, oldest first, and counts them by age.
func (a *App) Holds(ctx context.Context, q DashQuery) (DashHolds, error) {
	rs, err := dashCached(a, dashKey("holds", q.Scope), func() ([]store.HoldAge, error) {
		return a.opts.Store.HoldAges(ctx, q.Scope)
	})
	r := DashHolds{Scope: q.ScopeName(), At: q.Now, Items: []HoldAge{}}
	for _, b := range holdBuckets {
		r.Buckets = append(r.Buckets, HoldBucket{Bucket: b.ID, MinDays: b.From, MaxDays: b.To})
	}
	for _, h := range rs {
		age := max(q.Now.Sub(h.Since), 0)
		days := age.Hours() / 24
		r.Items = append(r.Items, HoldAge{HoldAge: h, AgeDays: float64(int(days*10)) / 10})
		for i, b := range holdBuckets {
			if days >= float64(b.From) && (b.To == 0 || days < float64(b.To)) {
				r.Buckets[i].Count++
				break
			}
		}
	}
	return r, err
}

// CaseProgress is one open recall or non-conformance case and how far the
// affected organizations got with it.
type CaseProgress struct {
	store.CaseSummary
	// AckPercent is AckedOrgs of Orgs, DispositionPercent Dispositioned
	// of Usages, in percent rounded to 0.1 (100 when there are none).
	AckPercent         float64 `json:"acknowledged_percent"`
	DispositionPercent float64 `json:"dispositioned_percent"`
	AgeDays            float64 `json:"age_days"`
	Overdue            bool    `json:"overdue"` // open past its target date
}

// DashRecalls is the recalls figure.
type DashRecalls struct {
	Scope string         `json:"scope"`
	At    time.Time      `json:"at"`
	Items []CaseProgress `json:"items"` // oldest first
}

// DashCasesMax bounds the open cases a dashboard lists.
const DashCasesMax = 200

// Recalls lists the open recall and non-conformance cases the scope is
// party to (affected by or opened by; every case for the whole project),
// oldest first, with their progress.
func (a *App) Recalls(ctx context.Context, q DashQuery) (DashRecalls, error) {
	cs, err := dashCached(a, dashKey("cases", q.Scope), func() ([]store.CaseSummary, error) {
		return a.opts.Store.OpenCases(ctx, q.Scope, DashCasesMax)
	})
	r := DashRecalls{Scope: q.ScopeName(), At: q.Now, Items: []CaseProgress{}}
	done := func(n, of int) float64 {
		if of == 0 {
			return 100
		}
		return Percent(n, of)
	}
	for _, c := range cs {
		r.Items = append(r.Items, CaseProgress{CaseSummary: c, AckPercent: done(c.AckedOrgs, c.Orgs), DispositionPercent: done(c.Dispositioned, c.Usages),
			AgeDays: float64(int(c.Age(q.Now).Hours()/24*10)) / 10, Overdue: c.Overdue(q.Now)})
	}
	return r, err
}

// dashCacheSize bounds the cached aggregates: a few per scope and query.
const dashCacheSize = 512

// dashCache holds the aggregates already computed for the read model's
// current position.
type dashCache struct {
	once  sync.Once
	cache *ReadCache[any]
}

// dashCached returns the aggregate under key for the read model's current
// position, computing it with load when the position moved on since (so a
// write anywhere recomputes it, and nothing stale is served). Callers must
// not modify the slices they get.
func dashCached[T any](a *App, key string, load func() (T, error)) (T, error) {
	a.dash.once.Do(func() { a.dash.cache = NewReadCache[any](dashCacheSize) })
	v, err := a.dash.cache.Get(key, a.opts.Projector.Applied(), func() (any, error) { return load() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

func dashKey(parts ...string) string { return strings.Join(parts, "|") }

func day(t time.Time) string { return t.UTC().Format(models.DateLayout) }

// DashboardResponse is the manager's dashboard (GET /api/v1/dashboard and the
// /manager page): deliveries received in the last 7 days, batches on
// hold, failed inspections of the last 30 days and recalls. Authorities
// and inspection agencies see the whole project (or one organization with
// ?org=); anyone else sees their own organization's part (deliveries to
// it, holds in its custody, failed inspections it made or of batches it
// produced, owns or holds); recalls are for everyone. See DashQueryFor.
type DashboardResponse struct {
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

// Dashboard lists what the manager's dashboard shows for the query's scope.
func (a *App) Dashboard(ctx context.Context, q DashQuery) (DashboardResponse, error) {
	now := q.Now
	r := DashboardResponse{Scope: q.ScopeName(), Since: now.AddDate(0, 0, -7).UTC(), FailedSince: now.AddDate(0, 0, -30).UTC(), DeliveriesQuantity: map[string]string{}}
	scope := q.Scope
	st := a.opts.Store
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
	var codes []string
	for _, sh := range r.Deliveries {
		for _, l := range sh.Lines {
			codes = append(codes, l.Batch)
		}
	}
	batches, _ := st.BatchesByCode(ctx, codes) // one read, however many lines; a line it misses is left out of the sums

	sums := map[string]models.Decimal{}
	for _, sh := range r.Deliveries {
		for _, l := range sh.Lines {
			if b, ok := batches[l.Batch]; ok {
				sums[b.Unit], _ = sums[b.Unit].Add(l.Accepted)
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

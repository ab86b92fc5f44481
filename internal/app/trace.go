package app

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/label"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// RecallBatch recalls a batch (RecallBatch): the contract decides who may
// (the producer, an authority, an inspection agency) and checks the reason
// and severity. It returns the recall's ID, its transaction's.
func (a *App) RecallBatch(ctx context.Context, act Actor, args contract.RecallBatchArgs) (string, error) {
	rec, err := a.Submit(ctx, act, "RecallBatch", args)
	if err != nil {
		return "", err
	}
	return rec.TxID, nil
}

// TraceData is everything the trace page and its checks read about one
// batch, public and private tier alike; who sees what is decided when it
// is shown (internal/access), never when it is loaded. It is cached per
// batch and read-model position, so it must not be modified after loading.
type TraceData struct {
	Batch       models.Batch
	Product     models.Product
	URI         string // the batch's GS1 Digital Link URI
	Documents   []models.Document
	Inspections []models.Inspection
	Timeline    []store.Event
	More        bool // the timeline goes on past Timeline
	Recalls     []models.Recall
	Usages      []models.Usage
	Shipments   []models.Shipment
}

// TimelineLimit is how many events a batch's trace shows at once.
const TimelineLimit = 100

// traceCaches keeps what the trace pages read, per read-model position.
type traceCaches struct {
	once    sync.Once
	batches *ReadCache[*TraceData]
	orgs    *ReadCache[map[string]models.Organization]
}

func (a *App) traceCache() *traceCaches {
	a.trace.once.Do(func() {
		a.trace.batches = NewReadCache[*TraceData](2048)
		a.trace.orgs = NewReadCache[map[string]models.Organization](4)
	})
	return &a.trace
}

// Trace loads (or finds cached) everything about batch code.
func (a *App) Trace(ctx context.Context, code string) (*TraceData, error) {
	return a.traceCache().batches.Get(code, a.opts.Projector.Applied(), func() (*TraceData, error) { return a.loadTrace(ctx, code) })
}

func (a *App) loadTrace(ctx context.Context, code string) (*TraceData, error) {
	st := a.opts.Store
	b, err := st.Batch(ctx, code)
	if err != nil {
		return nil, err
	}
	d := &TraceData{Batch: b}
	if d.Product, err = st.Product(ctx, b.ProductID); err != nil {
		return nil, err
	}
	d.URI = label.URI(a.opts.BaseURL, b, d.Product)
	if d.Documents, err = st.Documents(ctx, code); err != nil {
		return nil, err
	}
	if d.Inspections, err = st.Inspections(ctx, code); err != nil {
		return nil, err
	}
	if d.Timeline, err = st.Timeline(ctx, code, 0, TimelineLimit+1); err != nil {
		return nil, err
	}
	if len(d.Timeline) > TimelineLimit {
		d.Timeline, d.More = d.Timeline[:TimelineLimit], true
	}
	if d.Recalls, err = st.RecallsOf(ctx, code); err != nil {
		return nil, err
	}
	if d.Usages, err = st.Usages(ctx, code); err != nil {
		return nil, err
	}
	if d.Shipments, err = st.BatchShipments(ctx, code); err != nil {
		return nil, err
	}
	return d, nil
}

// Organizations returns every organization by ID (cached).
func (a *App) Organizations(ctx context.Context) (map[string]models.Organization, error) {
	return a.traceCache().orgs.Get("all", a.opts.Projector.Applied(), func() (map[string]models.Organization, error) {
		list, err := a.opts.Store.Organizations(ctx, "")
		if err != nil {
			return nil, err
		}
		m := make(map[string]models.Organization, len(list))
		for _, o := range list {
			m[o.ID] = o
		}
		return m, nil
	})
}

// Names are display names of organizations, their sites and products, in
// one language.
type Names struct {
	lang                  string
	orgs, products, sites map[string]models.LocalNames // "" holds the record's Name
}

// Names returns the display names of every organization, site and
// product, in English.
func (a *App) Names(ctx context.Context) (Names, error) { return a.NamesIn(ctx, "en") }

// NamesIn returns the display names of every organization, site and
// product in lang: each record's name in lang where it has one, else its
// Name.
func (a *App) NamesIn(ctx context.Context, lang string) (Names, error) {
	orgs, err := a.Organizations(ctx)
	if err != nil {
		return Names{}, err
	}
	n := Names{lang: lang, orgs: map[string]models.LocalNames{}, products: map[string]models.LocalNames{}, sites: map[string]models.LocalNames{}}
	for id, o := range orgs {
		n.orgs[id] = withName(o.Names, o.Name)
		for site, names := range o.SiteNames {
			n.sites[site] = names
		}
	}
	ps, err := a.opts.Store.Products(ctx, "")
	if err != nil {
		return Names{}, err
	}
	for _, p := range ps {
		n.products[p.ID] = withName(p.Names, p.Name)
	}
	return n, nil
}

// withName returns names with name under "".
func withName(names models.LocalNames, name string) models.LocalNames {
	out := models.LocalNames{"": name}
	for l, s := range names {
		out[l] = s
	}
	return out
}

// Lang returns the language of the names.
func (n Names) Lang() string { return n.lang }

// In returns the same names in another language.
func (n Names) In(lang string) Names { n.lang = lang; return n }

func (n Names) name(m map[string]models.LocalNames, id string) string {
	names := m[id]
	if s := names.In(n.lang, names[""]); s != "" {
		return s
	}
	if s := names["en"]; s != "" {
		return s
	}
	return id
}

// Org returns the organization's name, or its ID when unknown.
func (n Names) Org(id string) string { return n.name(n.orgs, id) }

// Product returns the product's name, or its ID when unknown.
func (n Names) Product(id string) string { return n.name(n.products, id) }

// Site returns a site's name, or its ID when it has none.
func (n Names) Site(id string) string { return n.name(n.sites, id) }

// TraceQuery is a trace report's parameters.
type TraceQuery struct {
	Batch     string
	Direction string // backward, forward or both
	Depth     int    // 0 means store.DefaultTraceDepth
}

// NewTraceQuery checks a trace's parameters as a request gives them
// (direction "" is both, depth "" the default); a bad one is a
// models.Invalid error naming it.
func NewTraceQuery(batch, direction, depth string) (TraceQuery, error) {
	q := TraceQuery{Batch: strings.TrimSpace(batch), Direction: direction}
	if q.Direction == "" {
		q.Direction = "both"
	}
	switch q.Direction {
	case "backward", "forward", "both":
	default:
		return q, models.Invalid("direction", "%q is not one of backward, forward, both", q.Direction)
	}
	if v := strings.TrimSpace(depth); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxTraceDepth {
			return q, models.Invalid("depth", "%q must be a whole number of steps from 1 to %d", v, store.MaxTraceDepth)
		}
		q.Depth = n
	}
	if q.Batch == "" {
		return q, models.Invalid("batch", "is required")
	}
	return q, nil
}

// TraceResponse is a trace: backward (to every origin), forward (to every
// batch made from it and every usage location), or both.
type TraceResponse struct {
	Backward *store.Trace `json:"backward,omitempty"`
	Forward  *store.Trace `json:"forward,omitempty"`
}

// RunTrace runs the trace q for the viewer of chk, who sees only the usage
// locations access allows.
func (a *App) RunTrace(ctx context.Context, q TraceQuery, chk *access.Checker) (TraceResponse, error) {
	var r TraceResponse
	if q.Direction != "forward" {
		tr, err := a.opts.Store.Backward(ctx, q.Batch, q.Depth)
		if err != nil {
			return r, models.Prefix("batch", err)
		}
		r.Backward = &tr
	}
	if q.Direction != "backward" {
		tr, err := a.opts.Store.Forward(ctx, q.Batch, q.Depth)
		if err != nil {
			return r, models.Prefix("batch", err)
		}
		tr.Usages = chk.Usages(ctx, tr.Usages)
		r.Forward = &tr
	}
	return r, nil
}

// WhereUsedItem is one place material went.
type WhereUsedItem struct {
	Root      string          `json:"root"`       // the batch the search matched
	Path      []string        `json:"path"`       // from Root to the batch used
	Batch     string          `json:"batch"`      // the batch used
	ProductID string          `json:"product_id"` // its product
	Location  models.Location `json:"location"`
	Quantity  models.Decimal  `json:"quantity"`
	Unit      string          `json:"unit"`
	UsedAt    string          `json:"used_at"`
	UsageID   string          `json:"usage_id"`
}

// WhereUsedResponse is a where-used search: Items (at most the limit, by
// date used) of Total places found; Roots batches matched the search.
// Complete is false when there were more than the search returns at most
// (store.MaxWhereUsed), so Total is a lower bound.
type WhereUsedResponse struct {
	Items    []WhereUsedItem `json:"items"`
	Total    int             `json:"total"`
	Roots    int             `json:"roots"`
	Complete bool            `json:"complete"`
}

// WhereUsed runs the search for the viewer of chk: every place of a batch
// it is involved with, and the first limit of them.
func (a *App) WhereUsed(ctx context.Context, f store.WhereUsedFilter, chk *access.Checker, limit int) (WhereUsedResponse, error) {
	r := WhereUsedResponse{Items: []WhereUsedItem{}}
	found, err := a.opts.Store.WhereUsed(ctx, f, store.MaxWhereUsed)
	if err != nil {
		return r, err
	}
	r.Roots, r.Complete = found.Roots, found.Total <= len(found.Rows)
	us := make([]models.Usage, len(found.Rows))
	for i, row := range found.Rows {
		us[i] = row.Usage
	}
	visible := map[string]bool{}
	for _, u := range chk.Usages(ctx, us) {
		visible[u.ID] = true
	}
	for _, row := range found.Rows {
		if !visible[row.Usage.ID] {
			continue
		}
		r.Total++
		if len(r.Items) < limit {
			u := row.Usage
			r.Items = append(r.Items, WhereUsedItem{Root: row.Root, Path: row.Path, Batch: u.BatchCode, ProductID: row.ProductID,
				Location: u.Location, Quantity: u.Quantity, Unit: u.Unit, UsedAt: u.UsedAt, UsageID: u.ID})
		}
	}
	return r, nil
}

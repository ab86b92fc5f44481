package server

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/label"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// traceData is everything the trace page and its checks read about one
// batch, public and private tier alike; who sees what is decided when it
// is shown (internal/access), never when it is loaded. It is cached per
// batch and read-model position, so it must not be modified after loading.
type traceData struct {
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

// timelineLimit is how many events the trace page shows at once.
const timelineLimit = 100

// readCache remembers values computed from the read model, keyed by a
// string, for as long as the read model has not moved on (the projector's
// Applied position): a write anywhere invalidates every entry, so nothing
// stale is ever served. It holds at most max entries.
type readCache[T any] struct {
	mu      sync.Mutex
	max     int
	entries map[string]readEntry[T]
}

type readEntry[T any] struct {
	at  uint64
	val T
}

func newReadCache[T any](max int) *readCache[T] {
	return &readCache[T]{max: max, entries: map[string]readEntry[T]{}}
}

// get returns the value for key at read-model position at, computing it
// with load on a miss. Errors are not cached.
func (c *readCache[T]) get(key string, at uint64, load func() (T, error)) (T, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && e.at == at {
		return e.val, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.put(key, at, v)
	return v, nil
}

// peek returns the value kept for key at position at, if any.
func (c *readCache[T]) peek(key string, at uint64) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.at != at {
		var zero T
		return zero, false
	}
	return e.val, true
}

// put keeps v for key at position at.
func (c *readCache[T]) put(key string, at uint64, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[key] = readEntry[T]{at: at, val: v}
}

// traceArea holds the trace, label, ledger and manager handlers and their
// caches of read-model views. routes creates one per Server.
type traceArea struct {
	s        *Server
	batches  *readCache[*traceData]
	pages    *readCache[[]byte] // anonymous trace pages, rendered
	orgs     *readCache[map[string]models.Organization]
	uris     sync.Map // batch code → Digital Link URI; a code's URI never changes
	uriCount atomic.Int64
	proofs   *proofCache
	attrs    sync.Map // language → proof.js attributes (template.HTMLAttr)
}

func newTraceArea(s *Server) *traceArea {
	return &traceArea{
		s:       s,
		batches: newReadCache[*traceData](2048),
		pages:   newReadCache[[]byte](1024),
		orgs:    newReadCache[map[string]models.Organization](4),
		proofs:  newProofCache(4096),
	}
}

// traceOf loads (or finds cached) everything about the batch code.
func (t *traceArea) traceOf(ctx context.Context, code string) (*traceData, error) {
	at := t.s.opts.Projector.Applied()
	return t.batches.get(code, at, func() (*traceData, error) { return t.loadTrace(ctx, code) })
}

func (t *traceArea) loadTrace(ctx context.Context, code string) (*traceData, error) {
	st := t.s.opts.Store
	b, err := st.Batch(ctx, code)
	if err != nil {
		return nil, err
	}
	d := &traceData{Batch: b}
	if d.Product, err = st.Product(ctx, b.ProductID); err != nil {
		return nil, err
	}
	d.URI = label.URI(t.s.opts.BaseURL, b, d.Product)
	if d.Documents, err = st.Documents(ctx, code); err != nil {
		return nil, err
	}
	if d.Inspections, err = st.Inspections(ctx, code); err != nil {
		return nil, err
	}
	if d.Timeline, err = st.Timeline(ctx, code, 0, timelineLimit+1); err != nil {
		return nil, err
	}
	if len(d.Timeline) > timelineLimit {
		d.Timeline, d.More = d.Timeline[:timelineLimit], true
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

// orgs returns every organization by ID (cached).
func (t *traceArea) orgMap(ctx context.Context) (map[string]models.Organization, error) {
	return t.orgs.get("all", t.s.opts.Projector.Applied(), func() (map[string]models.Organization, error) {
		list, err := t.s.opts.Store.Organizations(ctx, "")
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

// viewerOrg returns the organization of the logged-in user, or nil.
func (t *traceArea) viewerOrg(c *gin.Context) *models.Organization {
	u := currentUser(c)
	if u == nil {
		return nil
	}
	orgs, err := t.orgMap(c.Request.Context())
	if err != nil {
		return nil
	}
	if o, ok := orgs[u.OrgID]; ok {
		return &o
	}
	return nil
}

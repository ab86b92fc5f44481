package server

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// dashState is the dashboards' server-wide state: the running ledger
// verification and the aggregates already computed for the read model's
// current position.
type dashState struct {
	verify verifyJob
	once   sync.Once
	cache  *readCache[any]
}

// dashCacheSize bounds the cached aggregates: a few per scope and query.
const dashCacheSize = 512

// dashCached returns the aggregate under key for the read model's current
// position, computing it with load when the position moved on since (so a
// write anywhere recomputes it, and nothing stale is served).
func dashCached[T any](s *Server, key string, load func() (T, error)) (T, error) {
	s.dash.once.Do(func() { s.dash.cache = newReadCache[any](dashCacheSize) })
	v, err := s.dash.cache.get(key, s.opts.Projector.Applied(), func() (any, error) { return load() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

func dashKey(parts ...string) string { return strings.Join(parts, "|") }

func day(t time.Time) string { return t.UTC().Format(models.DateLayout) }

// The aggregates the dashboards read, cached. Callers must not modify the
// slices they get.

func (s *Server) dashDeliveries(ctx context.Context, q dashQuery) ([]store.DeliveryWeek, error) {
	return dashCached(s, dashKey("deliveries", q.Scope, day(q.From), day(q.To), q.By), func() ([]store.DeliveryWeek, error) {
		return s.opts.Store.Deliveries(ctx, q.Scope, q.From, q.To, q.By)
	})
}

func (s *Server) dashOnTime(ctx context.Context, q dashQuery) ([]store.OnTime, error) {
	return dashCached(s, dashKey("on-time", q.Scope, day(q.From), day(q.To), day(q.Now)), func() ([]store.OnTime, error) {
		return s.opts.Store.OnTimeBySupplier(ctx, q.Scope, q.From, q.To, q.Now)
	})
}

func (s *Server) dashRates(ctx context.Context, q dashQuery, by string) ([]store.InspectionRate, error) {
	return dashCached(s, dashKey("inspections", q.Scope, day(q.From), day(q.To), by), func() ([]store.InspectionRate, error) {
		return s.opts.Store.InspectionRates(ctx, q.Scope, q.From, q.To, by)
	})
}

func (s *Server) dashHoldAges(ctx context.Context, q dashQuery) ([]store.HoldAge, error) {
	return dashCached(s, dashKey("holds", q.Scope), func() ([]store.HoldAge, error) {
		return s.opts.Store.HoldAges(ctx, q.Scope)
	})
}

func (s *Server) dashCases(ctx context.Context, q dashQuery) ([]store.CaseSummary, error) {
	return dashCached(s, dashKey("cases", q.Scope), func() ([]store.CaseSummary, error) {
		return s.opts.Store.OpenCases(ctx, q.Scope, dashCasesMax)
	})
}

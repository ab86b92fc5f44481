package server

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/models"
)

// The trace's data and names are the use cases'.
type (
	traceData = app.TraceData
	names     = app.Names
)

// readCache is a cache of read-model views, valid while the read model
// stays where it was.
type readCache[T any] = app.ReadCache[T]

func newReadCache[T any](max int) *readCache[T] { return app.NewReadCache[T](max) }

// traceArea holds the trace pages: a batch's page, its resolver, trace
// reports (graph, tree, PDF, CSV), where-used and recalls, with the
// rendered anonymous pages they keep. The ledger's evidence they show comes
// from the evidence area.
type traceArea struct {
	s     *Server
	pages *readCache[[]byte] // anonymous trace pages, rendered
	ev    *evidenceArea
}

func newTraceArea(s *Server) *traceArea {
	return &traceArea{s: s, pages: newReadCache[[]byte](1024), ev: s.evidence}
}

// orgMap returns every organization by ID (cached).
func (t *traceArea) orgMap(ctx context.Context) (map[string]models.Organization, error) {
	return t.s.app.Organizations(ctx)
}

// viewerOrg returns the organization of the logged-in user, or nil.
func (s *Server) viewerOrg(c *gin.Context) *models.Organization {
	u := currentUser(c)
	if u == nil {
		return nil
	}
	orgs, err := s.app.Organizations(c.Request.Context())
	if err != nil {
		return nil
	}
	if o, ok := orgs[u.OrgID]; ok {
		return &o
	}
	return nil
}

package server

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/models"
)

// Who may see a batch's private tier, and what that tier is, is decided by
// internal/access, once, for pages, API, downloads, proofs, exports,
// reports and dashboards alike. This file only tells it who is looking and
// where to read.

// ctxAccess keeps the request's access checker.
const ctxAccess = "plumbline.access"

// accessSource is the read model as internal/access reads it, with each
// batch's parties kept for as long as the read model has not moved on.
type accessSource struct {
	access.Source
	applied func() uint64
	parties *readCache[access.Parties]
}

func newAccessSource(s *Server) *accessSource {
	return &accessSource{Source: access.FromStore(s.opts.Store), applied: s.opts.Projector.Applied, parties: newReadCache[access.Parties](4096)}
}

// Parties returns batch code's parties, from the cache when the read model
// has not moved since they were looked up.
func (a *accessSource) Parties(ctx context.Context, code string) (access.Parties, error) {
	return a.parties.Get(code, a.applied(), func() (access.Parties, error) { return a.Source.Parties(ctx, code) })
}

// checker returns the request's access checker for the logged-in user of
// organization o (nil for the public), made on the first call and kept
// for the request's later calls about the same viewer, so that a request
// looks each batch's parties up once.
func (s *Server) checker(c *gin.Context, o *models.Organization) *access.Checker {
	var role models.Role
	if u := currentUser(c); u != nil {
		role = u.Role
	}
	want := access.As(o, role)
	if v, ok := c.Get(ctxAccess); ok {
		if chk := v.(*access.Checker); chk.Viewer() == want {
			return chk
		}
	}
	chk := access.New(s.parties, want)
	c.Set(ctxAccess, chk)
	return chk
}

// userChecker returns the request's access checker for the logged-in
// user's organization (userOrg): the public when nobody is logged in, or
// when the user's organization is not registered on the ledger, which err
// then says.
func (s *Server) userChecker(c *gin.Context) (*access.Checker, error) {
	if currentUser(c) == nil {
		return s.checker(c, nil), nil
	}
	_, o, err := s.userOrg(c)
	return s.checker(c, o), err
}

// checkerFor returns a new access checker for a user with role in
// organization o (nil for the public).
func (s *Server) checkerFor(o *models.Organization, role models.Role) *access.Checker {
	return access.New(s.parties, access.As(o, role))
}

// viewerChecker returns the request's access checker for the viewer of
// the trace pages (viewerOrg).
func (s *Server) viewerChecker(c *gin.Context) *access.Checker { return s.checker(c, s.viewerOrg(c)) }

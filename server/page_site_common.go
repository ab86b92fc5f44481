package server

import (
	"context"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// The site area: a contractor's incoming shipments, receipts, stock and
// usage, and an inspection agency's scanner, inspections and holds. Every
// write is a use case of internal/app; the checks here only
// decide what a page offers and who may read what. The contract decides.

// may reports whether the contract's permission for the transaction type
// txType (contract.Rule) allows the user's organization kind and role.
// Pages use it to show or hide an action; the contract is still the guard,
// and checks whatever else the transaction needs.
func may(u *auth.User, org *models.Organization, txType string) bool {
	return u != nil && org != nil && mayAs(org.Kind, u.Role, txType)
}

// mayAs is may for a user with role in an organization of kind.
func mayAs(kind models.OrgKind, role models.Role, txType string) bool {
	p, ok := contract.Rule(txType)
	return ok && p.Allows(kind, role)
}

// userOrg returns the logged-in user's organization.
func (s *Server) userOrg(c *gin.Context) (*auth.User, *models.Organization, error) {
	u := currentUser(c)
	if u == nil {
		return nil, nil, unauthorized("log in first")
	}
	if v, ok := c.Get(ctxOrg); ok {
		return u, v.(*models.Organization), nil
	}
	o, err := s.opts.Store.Organization(c.Request.Context(), u.OrgID)
	if err != nil {
		return u, nil, models.Forbidden("your organization %s is not registered on the ledger", u.OrgID)
	}
	c.Set(ctxOrg, &o) // one lookup per request, however many handlers ask
	return u, &o, nil
}

// siteBatch loads a batch the organization may read privately: it sees
// every batch, or it produced, owns or holds it, or it submitted one of the
// batch's ledger entries. Others get 403, so codes of private batches
// cannot be probed for their details.
func (s *Server) siteBatch(ctx context.Context, org *models.Organization, field, code string) (models.Batch, error) {
	if err := models.ValidateID(field, strings.TrimSpace(code)); err != nil {
		return models.Batch{}, err
	}
	b, err := s.opts.Store.Batch(ctx, strings.TrimSpace(code))
	if err != nil {
		return b, models.AtField(err, field)
	}
	ok, err := s.checkerFor(org, "").Involved(ctx, &b)
	if err != nil {
		return b, err
	}
	if ok {
		return b, nil
	}
	return b, models.ForbiddenAt(field, "batch %s is not one your organization is involved with", b.Code)
}

// orgNames maps organization IDs to their names, for lists.
func (s *Server) orgNames(ctx context.Context) map[string]string {
	out := map[string]string{}
	list, err := s.opts.Store.Organizations(ctx, "")
	if err != nil {
		return out
	}
	for _, o := range list {
		out[o.ID] = o.Name
	}
	return out
}

// parseQuantity parses a decimal form value, naming field in the error.
func parseQuantity(field, text string) (models.Decimal, error) {
	if strings.TrimSpace(text) == "" {
		return 0, models.Invalid(field, "is required, e.g. 12.5")
	}
	d, err := models.ParseDecimal(strings.ReplaceAll(strings.TrimSpace(text), ",", "."))
	if err != nil {
		return 0, models.AtField(err, field)
	}
	return d, nil
}

// containsString reports whether xs holds x.
func containsString(xs []string, x string) bool { return slices.Contains(xs, x) }

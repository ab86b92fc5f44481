package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/internal/webhook"
	"github.com/plumbline/plumbline/models"
)

// An organization's admins register webhook endpoints and watch their
// delivery log here and through /api/v1/webhooks. Endpoints are off the
// ledger, like accounts; internal/webhook delivers to them.

// webhooksPage is what templates/admin_webhooks.html gets.
type webhooksPage struct {
	Endpoints  []store.Endpoint
	Deliveries []store.HookDelivery
	Next       string
	Secret     string          // the secret of an endpoint just created, shown once
	Created    *store.Endpoint // that endpoint
}

// endpointRequest is POST /api/v1/webhooks.
type endpointRequest struct {
	URL string `json:"url"`
}

// endpointCreated is POST /api/v1/webhooks' answer: the endpoint and its
// secret, which is never shown again.
type endpointCreated struct {
	store.Endpoint
	Secret string `json:"secret"`
}

// registerEndpoint checks url and registers it for admin's organization.
func (s *Server) registerEndpoint(ctx context.Context, admin *auth.User, raw string) (endpointCreated, error) {
	u, err := webhook.CheckEndpointURL(ctx, raw, s.opts.Webhooks.AllowPrivate)
	if err != nil {
		return endpointCreated{}, err
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	e := store.Endpoint{ID: "wh_" + hex.EncodeToString(id[:]), Org: admin.OrgID, URL: u, Secret: webhook.NewSecret(), Active: true,
		CreatedBy: admin.ID, CreatedAt: s.opts.Now().UTC()}
	if err := s.app.AddWebhookEndpoint(ctx, app.Actor{User: admin}, e); err != nil {
		return endpointCreated{}, err
	}
	return endpointCreated{Endpoint: e, Secret: e.Secret}, nil
}

func (s *Server) webhooksData(c *gin.Context) (*webhooksPage, error) {
	ctx := c.Request.Context()
	org := currentUser(c).OrgID
	eps, err := s.opTables.Endpoints(ctx, org)
	if err != nil {
		return nil, err
	}
	before, err := beforeID(c)
	if err != nil {
		return nil, err
	}
	ds, err := s.opTables.WebhookDeliveries(ctx, org, c.Query("endpoint"), before, 50)
	if err != nil {
		return nil, err
	}
	return &webhooksPage{Endpoints: eps, Deliveries: ds.Items, Next: ds.Next}, nil
}

// adminWebhooks serves GET /admin/webhooks.
func (s *Server) adminWebhooks(c *gin.Context) {
	d, err := s.webhooksData(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	s.page(c, http.StatusOK, "admin_webhooks", s.view(c, "webhooks", d))
}

// adminCreateWebhook serves POST /admin/webhooks.
func (s *Server) adminCreateWebhook(c *gin.Context) {
	created, err := s.registerEndpoint(c.Request.Context(), currentUser(c), c.PostForm("url"))
	d, derr := s.webhooksData(c)
	if derr != nil {
		s.failPage(c, derr)
		return
	}
	v := s.view(c, "webhooks", d)
	if err != nil {
		s.formFail(c, "admin_webhooks", v, err)
		return
	}
	d.Secret, d.Created = created.Secret, &created.Endpoint
	s.page(c, http.StatusCreated, "admin_webhooks", v)
}

// adminToggleWebhook serves POST /admin/webhooks/{id}/active (active=1 or 0).
func (s *Server) adminToggleWebhook(c *gin.Context) {
	if _, err := run(s, c, func(ctx context.Context, act app.Actor) (any, error) {
		return nil, s.app.SetWebhookEndpointActive(ctx, act, c.Param("id"), c.PostForm("active") == "1")
	}); err != nil {
		s.failPage(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/webhooks")
}

// deliveryID reads the :id of a delivery route.
func deliveryID(c *gin.Context) (int64, error) {
	n, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || n < 1 {
		return 0, models.NotFound("", "webhook delivery %q does not exist", c.Param("id"))
	}
	return n, nil
}

// adminRedeliver serves POST /admin/webhooks/deliveries/{id}/redeliver.
func (s *Server) adminRedeliver(c *gin.Context) {
	id, err := deliveryID(c)
	if err == nil {
		_, err = run(s, c, func(ctx context.Context, act app.Actor) (any, error) { return nil, s.app.Redeliver(ctx, act, id) })
	}
	if err != nil {
		s.failPage(c, err)
		return
	}
	s.flash(c, s.loc(c).T("webhooks.redelivering", "ID", id))
	c.Redirect(http.StatusSeeOther, "/admin/webhooks")
}

// apiWebhooks serves GET /api/v1/webhooks.
func (s *Server) apiWebhooks(c *gin.Context) {
	eps, err := s.opTables.Endpoints(c.Request.Context(), currentUser(c).OrgID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if eps == nil {
		eps = []store.Endpoint{}
	}
	c.JSON(http.StatusOK, listJSON[store.Endpoint]{Items: eps})
}

// apiCreateWebhook serves POST /api/v1/webhooks.
func (s *Server) apiCreateWebhook(c *gin.Context) {
	var req endpointRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	created, err := s.registerEndpoint(c.Request.Context(), currentUser(c), req.URL)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, created)
}

// apiWebhookDeliveries serves GET /api/v1/webhooks/deliveries.
func (s *Server) apiWebhookDeliveries(c *gin.Context) {
	before, err := beforeID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	limit, err := pageSize(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.opTables.WebhookDeliveries(c.Request.Context(), currentUser(c).OrgID, c.Query("endpoint"), before, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	if p.Items == nil {
		p.Items = []store.HookDelivery{}
	}
	c.JSON(http.StatusOK, p)
}

// apiRedeliver serves POST /api/v1/webhooks/deliveries/{id}/redeliver.
func (s *Server) apiRedeliver(c *gin.Context) {
	id, err := deliveryID(c)
	if err == nil {
		_, err = run(s, c, func(ctx context.Context, act app.Actor) (any, error) { return nil, s.app.Redeliver(ctx, act, id) })
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.opTables.WebhookDelivery(c.Request.Context(), currentUser(c).OrgID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

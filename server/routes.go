package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/frontend"
)

// routes is the one route table. Pages come first, then the JSON API,
// grouped by who uses them. Every /api/v1 route goes through s.api, which
// documents it in the OpenAPI document.
func (s *Server) routes() {
	r := s.engine
	_ = r.SetTrustedProxies(nil) // ClientIP is the peer address; rate limits count real clients

	// Operations.
	r.GET("/healthz", s.healthz)
	r.HEAD("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.metricsHandler())
	r.GET("/static/*path", s.static(frontend.FS()))
	r.GET("/favicon.ico", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/static/img/icon.svg") })

	// Public pages.
	r.GET("/", s.home)
	r.GET("/login", s.loginPage)
	r.POST("/login", s.login)

	// Pages for logged-in users.
	p := r.Group("/", s.requirePage)
	p.POST("/logout", s.logout)
	p.GET("/dashboard", s.dashboard)

	// Supplier pages: products, batches, shipments, bulk import.

	// Site and inspector pages: incoming shipments, receipts, usage, stock, scan, inspections, holds.

	// Trace and manager pages: trace reports, recalls, labels.

	// Admin pages: users, roles, API tokens.
	adm := p.Group("/admin", s.requireAdmin)
	adm.GET("/users", s.adminUsers)
	adm.POST("/users", s.adminCreateUser)
	adm.POST("/users/:id", s.adminChangeUser)
	adm.GET("/tokens", s.adminTokens)
	adm.POST("/tokens", s.adminCreateToken)
	adm.POST("/tokens/:id/revoke", s.adminRevokeToken)

	// JSON API.
	a := r.Group("/api/v1")
	a.GET("/openapi.json", s.openAPIHandler)
	s.api(a, apiOp{Method: "POST", Path: "/tokens", Tag: "auth", Public: true, Status: http.StatusCreated,
		Summary: "Exchange a login and password for a Bearer token", Request: tokenRequest{}, Response: tokenResponse{}}, s.createToken)

	// Supplier API.

	// Site and inspector API.

	// Trace, ledger and manager API.

	// Admin API.
	admin := a.Group("", s.requireAdmin)
	s.api(admin, apiOp{Method: "GET", Path: "/users", Tag: "admin", Summary: "List your organization's users (admins only)", Response: listJSON[userJSON]{}}, s.apiUsers)
	s.api(admin, apiOp{Method: "POST", Path: "/users", Tag: "admin", Status: http.StatusCreated, Summary: "Create a user in your organization; the login becomes <org>.<name>", Request: newUserRequest{}, Response: userJSON{}}, s.apiCreateUser)
	s.api(admin, apiOp{Method: "PATCH", Path: "/users/:id", Tag: "admin", Summary: "Change a user's role, disable or enable them, or set a new password", Request: userChange{}, Response: userJSON{}}, s.apiChangeUser)
	s.api(admin, apiOp{Method: "GET", Path: "/tokens", Tag: "admin", Summary: "List your organization's API tokens (never their secrets)", Response: listJSON[tokenJSON]{}}, s.apiTokens)
	s.api(admin, apiOp{Method: "DELETE", Path: "/tokens/:id", Tag: "admin", Status: http.StatusNoContent, Summary: "Revoke an API token of your organization"}, s.apiRevokeToken)
}

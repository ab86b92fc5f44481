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

	// JSON API.
	a := r.Group("/api/v1")
	a.GET("/openapi.json", s.openAPIHandler)
	s.api(a, apiOp{Method: "POST", Path: "/tokens", Tag: "auth", Public: true, Status: http.StatusCreated,
		Summary: "Exchange a login and password for a Bearer token", Request: tokenRequest{}, Response: tokenResponse{}}, s.createToken)

	// Supplier API.

	// Site and inspector API.

	// Trace, ledger and manager API.

	// Admin API.
}

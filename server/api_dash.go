package server

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/plumbline/plumbline/internal/app"
)

// The dashboards' figures (GET /api/v1/dashboard/{chart}, the charts on
// /manager and their CSV downloads) come from internal/app (dashboards.go,
// which also says who sees what). Here: the query from the request, and
// the JSON answer.

// The figures' types are the use cases'.
type (
	dashQuery       = app.DashQuery
	dashDeliveries  = app.DashDeliveries
	dashOnTime      = app.DashOnTime
	dashInspections = app.DashInspections
	dashHolds       = app.DashHolds
	dashRecalls     = app.DashRecalls
)

// percent is n/of in percent rounded to 0.1.
var percent = app.Percent

// dashArea serves the dashboards: the manager's page and its charts, their
// CSV and JSON, and the ledger's health with "verify now".
type dashArea struct{ s *Server }

// dashQueryOf reads ?org=, ?weeks= and ?by= for the viewer.
func (a *dashArea) dashQueryOf(c *gin.Context) (dashQuery, error) {
	return a.s.app.DashQueryFor(c.Request.Context(), a.s.viewerOrg(c), c.Query("org"), c.Query("weeks"), c.Query("by"))
}

// apiDash serves GET /api/v1/dashboard/{chart} with the figure's data.
func apiDash[T any](a *dashArea, data func(context.Context, dashQuery) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		q, err := a.dashQueryOf(c)
		if err != nil {
			a.s.fail(c, err)
			return
		}
		r, err := data(c.Request.Context(), q)
		if err != nil {
			a.s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, r)
	}
}

// dashQueryDoc documents the dashboard figures' query parameters.
var dashQueryDoc = []string{
	"org: all (the whole project) or an organization ID; authorities and inspection agencies only, others see their own",
	"weeks: 1-104 weeks up to this one, default 12",
	"by: supplier (default) or product",
}

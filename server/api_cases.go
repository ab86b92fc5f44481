package server

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// The case API: the same steps as the case pages, as JSON.

// apiOpen serves POST /api/v1/cases.
func (a *caseArea) apiOpen(c *gin.Context) {
	var req openCaseRequest
	if err := bindJSON(c, &req); err != nil {
		a.s.fail(c, err)
		return
	}
	act, err := a.s.actor(c)
	var id string
	if err == nil {
		id, _, err = a.s.app.OpenCase(c.Request.Context(), act, req)
	}
	if err != nil {
		a.s.fail(c, err)
		return
	}
	a.respond(c, id, http.StatusCreated)
}

// apiList serves GET /api/v1/cases.
func (a *caseArea) apiList(c *gin.Context) {
	_, o, err := a.s.userOrg(c)
	if err != nil {
		a.s.fail(c, err)
		return
	}
	f := store.CaseFilter{Status: c.Query("status"), Kind: models.CaseKind(c.Query("kind")), Batch: c.Query("batch"), After: c.Query("after")}
	if c.Query("affecting") == "me" {
		f.Affecting = o.ID
	}
	if f.Limit, err = pageSize(c); err != nil {
		a.s.fail(c, err)
		return
	}
	p, err := a.s.app.Cases(c.Request.Context(), o, f)
	if err != nil {
		a.s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// apiCase serves GET /api/v1/cases/{id}.
func (a *caseArea) apiCase(c *gin.Context) { a.respond(c, c.Param("id"), http.StatusOK) }

// apiAck serves POST /api/v1/cases/{id}/ack.
func (a *caseArea) apiAck(c *gin.Context) {
	var req ackRequest
	if err := bindJSON(c, &req); err != nil {
		a.s.fail(c, err)
		return
	}
	if _, err := run(a.s, c, func(ctx context.Context, act app.Actor) (any, error) {
		return nil, a.s.app.AcknowledgeCase(ctx, act, c.Param("id"), req.Note)
	}); err != nil {
		a.s.fail(c, err)
		return
	}
	a.respond(c, c.Param("id"), http.StatusOK)
}

// apiDispositions serves POST /api/v1/cases/{id}/dispositions.
func (a *caseArea) apiDispositions(c *gin.Context) {
	var req dispositionRequest
	if err := bindJSON(c, &req); err != nil {
		a.s.fail(c, err)
		return
	}
	args := contract.RecordDispositionArgs{Case: c.Param("id")}
	for _, it := range req.Items {
		args.Items = append(args.Items, contract.UsageDisposition{Usage: it.Usage, Disposition: it.Disposition, Justification: it.Justification})
	}
	if _, err := run(a.s, c, func(ctx context.Context, act app.Actor) (any, error) {
		return nil, a.s.app.RecordDisposition(ctx, act, args)
	}); err != nil {
		a.s.fail(c, err)
		return
	}
	a.respond(c, c.Param("id"), http.StatusOK)
}

func (a *caseArea) respond(c *gin.Context, id string, code int) {
	_, o, err := a.s.userOrg(c)
	if err != nil {
		a.s.fail(c, err)
		return
	}
	v, err := a.s.app.Case(c.Request.Context(), a.s.checker(c, o), id)
	if err != nil {
		a.s.fail(c, err)
		return
	}
	c.JSON(code, v)
}

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

// The recall and non-conformance workflow (a Trace-X style quality alert):
// a case is opened on a batch with the forward trace as its impact list,
// every affected organization acknowledges it, every affected usage gets a
// disposition, and the contract closes it with the last step.
//
// Who sees what is internal/access's rule: a case is visible to
// authorities and inspection agencies, to the organization that opened it,
// to every organization it affects, and to organizations involved with its
// batch; to anyone else it does not exist (404). Where a usage went into
// the works is shown only to organizations involved with the batch used,
// so a contractor sees its own placements, never another contractor's.

// caseArea serves the case pages and API; the cases themselves, and who
// may see them, are internal/app's and internal/access's.
type caseArea struct {
	s *Server
}

func newCaseArea(s *Server) *caseArea { return &caseArea{s: s} }

// openCaseRequest is POST /api/v1/cases. The server lists the affected
// usages from the read model's forward trace of the batch.
type openCaseRequest = app.OpenCaseRequest

// ackRequest is POST /api/v1/cases/{id}/ack.
type ackRequest struct {
	Note string `json:"note,omitempty"`
}

// dispositionRequest is POST /api/v1/cases/{id}/dispositions.
type dispositionRequest struct {
	Items []caseDisposition `json:"items"`
}

// caseDisposition is one usage's disposition: replace, rework or
// accept_as_is (with a justification).
type caseDisposition struct {
	Usage         string             `json:"usage"`
	Disposition   models.Disposition `json:"disposition"`
	Justification string             `json:"justification,omitempty"`
}

// The case views are the use cases'.
type (
	caseView   = app.CaseView
	impactLine = app.ImpactLine
	caseStep   = app.CaseStep
	caseList   = store.Page[store.CaseSummary]
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

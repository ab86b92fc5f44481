package server

import (
	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/store"
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
	impactLine = app.CaseImpactLine
	caseStep   = app.CaseStep
	caseList   = store.Page[store.CaseSummary]
)

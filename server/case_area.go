package server

import (
	"context"
	"slices"

	"github.com/plumbline/plumbline/internal/access"
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

// caseArea serves the case pages and API.
type caseArea struct {
	s *Server
	t *traceArea
}

func newCaseArea(s *Server, t *traceArea) *caseArea { return &caseArea{s: s, t: t} }

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

// caseView is a case as one organization may see it.
type caseView struct {
	Case     models.Case       `json:"case"`
	Progress store.CaseSummary `json:"progress"`
	// Impact is every usage the case affects; Location is empty (and
	// Hidden set) where the viewer may not see where the material went.
	Impact []impactLine `json:"impact"`
	// Steps are the case's ledger transactions, oldest first, each with
	// its event sequence number (proof: /api/v1/ledger/entries/{seq}/proof).
	Steps []caseStep `json:"steps"`
}

// impactLine is one affected usage.
type impactLine struct {
	store.ImpactLine
	Hidden bool `json:"hidden,omitempty"`
}

// caseStep is one ledger transaction of a case.
type caseStep struct {
	Kind string `json:"kind"` // opened, acknowledged, disposition, closed
	Org  string `json:"org"`
	User string `json:"user"`
	At   string `json:"at"`
	TxID string `json:"tx_id"`
	Seq  uint64 `json:"seq"`
	// Usages counts the dispositions a disposition step recorded.
	Usages int `json:"usages,omitempty"`
}

// caseList is GET /api/v1/cases.
type caseList = store.Page[store.CaseSummary]

// view loads case id as the viewer of chk may see it; a case it may not
// see is not found.
func (a *caseArea) view(ctx context.Context, chk *access.Checker, id string) (caseView, error) {
	st := a.s.opts.Store
	c, err := st.Case(ctx, id)
	if err != nil {
		return caseView{}, err
	}
	if ok, err := chk.Case(ctx, &c); err != nil || !ok {
		if err == nil {
			err = models.NotFound("", "case %q does not exist", id)
		}
		return caseView{}, err
	}
	v := caseView{Case: c, Impact: []impactLine{}, Steps: []caseStep{}}
	if v.Progress, err = st.CaseProgress(ctx, id); err != nil {
		return caseView{}, err
	}
	lines, err := st.CaseImpact(ctx, id)
	if err != nil {
		return caseView{}, err
	}
	shown, hidden, usages := chk.CaseImpact(ctx, c, lines)
	for i, l := range shown {
		v.Impact = append(v.Impact, impactLine{ImpactLine: l, Hidden: hidden[i]})
	}
	v.Case.Usages = usages
	v.Steps, err = a.steps(ctx, &c)
	return v, err
}

// steps lists the ledger transactions of case c, oldest first.
func (a *caseArea) steps(ctx context.Context, c *models.Case) ([]caseStep, error) {
	steps := []caseStep{{Kind: "opened", Org: c.Org, User: c.User, At: c.At, TxID: c.TxID}}
	for _, o := range c.Orgs {
		if o.Acked() {
			steps = append(steps, caseStep{Kind: "acknowledged", Org: o.Org, User: o.AckUser, At: o.AckAt, TxID: o.AckTx})
		}
	}
	byTx := map[string]int{}
	for _, u := range c.Usages {
		if u.TxID == "" {
			continue
		}
		i, ok := byTx[u.TxID]
		if !ok {
			i = len(steps)
			byTx[u.TxID] = i
			steps = append(steps, caseStep{Kind: "disposition", Org: u.Org, User: u.User, At: u.At, TxID: u.TxID})
		}
		steps[i].Usages++
	}
	ids := make([]string, len(steps))
	for i, st := range steps {
		ids[i] = st.TxID
	}
	seqs, err := a.s.opts.Store.TxSeqs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range steps {
		steps[i].Seq = seqs[steps[i].TxID]
	}
	slices.SortStableFunc(steps, func(x, y caseStep) int { return cmpUint(x.Seq, y.Seq) })
	if c.Status == models.CaseClosed {
		steps = append(steps, caseStep{Kind: "closed", At: c.ClosedAt, TxID: c.ClosedTx, Seq: seqs[c.ClosedTx]})
	}
	return steps, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// list returns one page of the cases organization o may list: every case
// for authorities and inspection agencies, else those that affect o or
// that o opened.
func (a *caseArea) list(ctx context.Context, o *models.Organization, f store.CaseFilter) (caseList, error) {
	switch f.Status {
	case "", models.CaseOpen, models.CaseClosed:
	default:
		return caseList{}, models.Invalid("status", "%q is not one of open, closed", f.Status)
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return caseList{}, models.Invalid("kind", "%q is not one of non_conformance, recall", f.Kind)
	}
	if !access.SeesAll(o) {
		f.Affecting = o.ID
	}
	p, err := a.s.opts.Store.Cases(ctx, f)
	if p.Items == nil {
		p.Items = []store.CaseSummary{}
	}
	return p, err
}

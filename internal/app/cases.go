package app

import (
	"cmp"
	"context"
	"slices"

	"github.com/plumbline/plumbline/internal/access"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// The quality cases' use cases: open a case on a batch with every usage it
// reached, acknowledge it, decide what happens to each usage.

// OpenCaseRequest opens a case. The affected usages come from the read
// model's forward trace of the batch.
type OpenCaseRequest struct {
	Kind             models.CaseKind `json:"kind"` // non_conformance or recall
	Batch            string          `json:"batch"`
	Severity         string          `json:"severity"` // low, medium, high or critical
	Reason           string          `json:"reason"`
	TargetDate       string          `json:"target_date"` // YYYY-MM-DD, today or later
	SourceInspection string          `json:"source_inspection,omitempty"`
}

// Impact lists the usages of batch code and every batch made from it, for
// a new case: the contract checks each but cannot prove the list complete,
// so it must come from the whole forward trace.
func (a *App) Impact(ctx context.Context, code string) (store.Trace, error) {
	tr, err := a.opts.Store.Forward(ctx, code, store.MaxTraceDepth)
	if err != nil {
		return store.Trace{}, err
	}
	if tr.Truncated {
		return store.Trace{}, models.Conflict("batch", "the forward trace of batch %s goes deeper than %d steps; its impact list cannot be complete", code, store.MaxTraceDepth)
	}
	if len(tr.Usages) > models.MaxCaseUsages {
		return store.Trace{}, models.Conflict("batch", "batch %s reached %d usages; one case lists at most %d, so open cases on the batches made from it instead", code, len(tr.Usages), models.MaxCaseUsages)
	}
	return tr, nil
}

// OpenCase opens a case (OpenCase) listing every usage of the batch's
// forward trace; it returns the case's ID and how many usages it lists.
func (a *App) OpenCase(ctx context.Context, act Actor, req OpenCaseRequest) (string, int, error) {
	args := contract.OpenCaseArgs{Kind: req.Kind, Batch: req.Batch, Severity: req.Severity, Reason: req.Reason,
		TargetDate: req.TargetDate, SourceInspection: req.SourceInspection}
	if err := args.Validate(); err != nil {
		return "", 0, err
	}
	tr, err := a.Impact(ctx, req.Batch)
	if err != nil {
		return "", 0, models.Prefix("batch", err)
	}
	for _, u := range tr.Usages {
		args.Usages = append(args.Usages, u.ID)
	}
	rec, err := a.Submit(ctx, act, "OpenCase", args)
	if err != nil {
		return "", 0, err
	}
	return rec.TxID, len(args.Usages), nil
}

// AcknowledgeCase acknowledges a case for the actor's organization
// (AcknowledgeCase).
func (a *App) AcknowledgeCase(ctx context.Context, act Actor, id, note string) error {
	_, err := a.Submit(ctx, act, "AcknowledgeCase", contract.AcknowledgeCaseArgs{Case: id, Note: note})
	return err
}

// RecordDisposition records what happens to usages of a case
// (RecordDisposition).
func (a *App) RecordDisposition(ctx context.Context, act Actor, args contract.RecordDispositionArgs) error {
	_, err := a.Submit(ctx, act, "RecordDisposition", args)
	return err
}

// CaseView is a case as one organization may see it.
type CaseView struct {
	Case     models.Case       `json:"case"`
	Progress store.CaseSummary `json:"progress"`
	// Impact is every usage the case affects; Location is empty (and
	// Hidden set) where the viewer may not see where the material went.
	Impact []ImpactLine `json:"impact"`
	// Steps are the case's ledger transactions, oldest first, each with
	// its event sequence number (proof: /api/v1/ledger/entries/{seq}/proof).
	Steps []CaseStep `json:"steps"`
}

// ImpactLine is one affected usage.
type ImpactLine struct {
	store.ImpactLine
	Hidden bool `json:"hidden,omitempty"`
}

// CaseStep is one ledger transaction of a case.
type CaseStep struct {
	Kind string `json:"kind"` // opened, acknowledged, disposition, closed
	Org  string `json:"org"`
	User string `json:"user"`
	At   string `json:"at"`
	TxID string `json:"tx_id"`
	Seq  uint64 `json:"seq"`
	// Usages counts the dispositions a disposition step recorded.
	Usages int `json:"usages,omitempty"`
}

// Case loads case id as the viewer of chk may see it; a case it may not
// see is not found.
func (a *App) Case(ctx context.Context, chk *access.Checker, id string) (CaseView, error) {
	st := a.opts.Store
	c, err := st.Case(ctx, id)
	if err != nil {
		return CaseView{}, err
	}
	if ok, err := chk.Case(ctx, &c); err != nil || !ok {
		if err == nil {
			err = models.NotFound("", "case %q does not exist", id)
		}
		return CaseView{}, err
	}
	v := CaseView{Case: c, Impact: []ImpactLine{}, Steps: []CaseStep{}}
	if v.Progress, err = st.CaseProgress(ctx, id); err != nil {
		return CaseView{}, err
	}
	lines, err := st.CaseImpact(ctx, id)
	if err != nil {
		return CaseView{}, err
	}
	shown, hidden, usages := chk.CaseImpact(ctx, c, lines)
	for i, l := range shown {
		v.Impact = append(v.Impact, ImpactLine{ImpactLine: l, Hidden: hidden[i]})
	}
	v.Case.Usages = usages
	v.Steps, err = a.caseSteps(ctx, &c)
	return v, err
}

// caseSteps lists the ledger transactions of case c, oldest first.
func (a *App) caseSteps(ctx context.Context, c *models.Case) ([]CaseStep, error) {
	steps := []CaseStep{{Kind: "opened", Org: c.Org, User: c.User, At: c.At, TxID: c.TxID}}
	for _, o := range c.Orgs {
		if o.Acked() {
			steps = append(steps, CaseStep{Kind: "acknowledged", Org: o.Org, User: o.AckUser, At: o.AckAt, TxID: o.AckTx})
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
			steps = append(steps, CaseStep{Kind: "disposition", Org: u.Org, User: u.User, At: u.At, TxID: u.TxID})
		}
		steps[i].Usages++
	}
	ids := make([]string, len(steps))
	for i, st := range steps {
		ids[i] = st.TxID
	}
	seqs, err := a.opts.Store.TxSeqs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range steps {
		steps[i].Seq = seqs[steps[i].TxID]
	}
	slices.SortStableFunc(steps, func(x, y CaseStep) int { return cmp.Compare(x.Seq, y.Seq) })
	if c.Status == models.CaseClosed {
		steps = append(steps, CaseStep{Kind: "closed", At: c.ClosedAt, TxID: c.ClosedTx, Seq: seqs[c.ClosedTx]})
	}
	return steps, nil
}

// Cases returns one page of the cases organization o may list: every case
// for authorities and inspection agencies, else those that affect o or
// that o opened.
func (a *App) Cases(ctx context.Context, o *models.Organization, f store.CaseFilter) (store.Page[store.CaseSummary], error) {
	switch f.Status {
	case "", models.CaseOpen, models.CaseClosed:
	default:
		return store.Page[store.CaseSummary]{}, models.Invalid("status", "%q is not one of open, closed", f.Status)
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return store.Page[store.CaseSummary]{}, models.Invalid("kind", "%q is not one of non_conformance, recall", f.Kind)
	}
	if !access.SeesAll(o) {
		f.Affecting = o.ID
	}
	p, err := a.opts.Store.Cases(ctx, f)
	if p.Items == nil {
		p.Items = []store.CaseSummary{}
	}
	return p, err
}

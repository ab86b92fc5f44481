package app

import (
	"context"

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

package app

import (
	"context"

	"github.com/plumbline/plumbline/ledger/contract"
)

// RecallBatch recalls a batch (RecallBatch): the contract decides who may
// (the producer, an authority, an inspection agency) and checks the reason
// and severity. It returns the recall's ID, its transaction's.
func (a *App) RecallBatch(ctx context.Context, act Actor, args contract.RecallBatchArgs) (string, error) {
	rec, err := a.Submit(ctx, act, "RecallBatch", args)
	if err != nil {
		return "", err
	}
	return rec.TxID, nil
}

package embedded

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/plumbline/plumbline/ledger"
)

var _ ledger.BatchSubmitter = (*Ledger)(nil)

// SubmitBatch implements ledger.BatchSubmitter: it signs txs on every core,
// hands them to the sequencer as one group of their own (one database
// transaction, one checkpoint) and waits once for all. Transactions that
// fail before the sequencer (bad arguments, an unknown organization) get
// their errors; with atomic, that fails the whole batch with ErrNotApplied
// for the others, before anything is queued.
func (l *Ledger) SubmitBatch(ctx context.Context, txs []ledger.Tx, atomic bool) ([]ledger.Receipt, []error, error) {
	if l.isClosed() {
		return nil, nil, ledger.ErrClosed
	}
	recs := make([]ledger.Receipt, len(txs))
	errs := make([]error, len(txs))
	reqs := make([]*request, len(txs))
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), max(1, len(txs)/64))
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(txs); i += workers {
				reqs[i], errs[i] = l.prepare(ctx, txs[i])
			}
		})
	}
	wg.Wait()
	var queued []*request
	failed := false
	for i, r := range reqs {
		if errs[i] != nil {
			failed = true
			continue
		}
		queued = append(queued, r)
	}
	if failed && atomic {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = ledger.ErrNotApplied
			}
		}
		return recs, errs, nil
	}
	if len(queued) == 0 {
		return recs, errs, nil
	}
	if err := l.enqueue(ctx, &request{ctx: ctx, batch: &batch{reqs: queued, atomic: atomic}}); err != nil {
		return nil, nil, err
	}
	for i, r := range reqs {
		if r == nil {
			continue
		}
		select {
		case res := <-r.res:
			recs[i], errs[i] = res.r, res.err
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("waiting for the batch to commit (it may still commit; retry with the same idempotency keys): %w", ctx.Err())
		}
	}
	return recs, errs, nil
}

// Committed implements ledger.BatchSubmitter.
func (l *Ledger) Committed(ctx context.Context, org string, keys []string) (map[string]ledger.Receipt, error) {
	if l.isClosed() {
		return nil, ledger.ErrClosed
	}
	ks := make([]idemKey, len(keys))
	for i, k := range keys {
		ks[i] = idemKey{org, k}
	}
	found, err := l.lookupIdem(ctx, ks)
	if err != nil {
		return nil, err
	}
	out := make(map[string]ledger.Receipt, len(found))
	for k, r := range found {
		out[k.key] = r
	}
	return out, nil
}

package embedded

import (
	"context"
	"fmt"
	"runtime"
	"strings"
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

// States returns the committed world-state values of keys, with one query
// per 500 keys; absent keys are left out.
func (l *Ledger) States(ctx context.Context, keys []string) (map[string][]byte, error) {
	if l.isClosed() {
		return nil, ledger.ErrClosed
	}
	out := make(map[string][]byte, len(keys))
	err := l.readStates(ctx, keys, func(k string, v []byte) { out[k] = v })
	return out, err
}

// readStates calls fn for every key of keys that has a committed value.
func (l *Ledger) readStates(ctx context.Context, keys []string, fn func(k string, v []byte)) error {
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(len(keys), start+500)]
		var b strings.Builder
		args := make([]any, len(chunk))
		for i, k := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(l.d.ph(i + 1))
			args[i] = k
		}
		rows, err := l.db.QueryContext(ctx, `SELECT state_key, value FROM ledger_state WHERE state_key IN (`+b.String()+`)`, args...)
		if err != nil {
			return fmt.Errorf("read state: %w", err)
		}
		for rows.Next() {
			var k string
			var v []byte
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return fmt.Errorf("read state: %w", err)
			}
			fn(k, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read state: %w", err)
		}
	}
	return nil
}

// Preload has the sequencer read keys into its state cache (as present or
// absent) in bulk, before a batch that will read them one by one: an EPCIS
// capture knows from its dry run which keys its transactions read.
func (l *Ledger) Preload(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	done := make(chan result, 1)
	if err := l.enqueue(ctx, &request{ctx: ctx, preload: keys, res: done}); err != nil {
		return err
	}
	select {
	case r := <-done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// preloadCache runs on the sequencer: it fills the cache with keys not
// in it yet.
func (l *Ledger) preloadCache(ctx context.Context, keys []string) error {
	var missing []string
	for _, k := range keys {
		if _, ok := l.cache.get(k); !ok {
			missing = append(missing, k)
		}
	}
	found := map[string]bool{}
	err := l.readStates(ctx, missing, func(k string, v []byte) {
		found[k] = true
		l.cache.put(k, cached{v: v, present: true})
	})
	if err != nil {
		return err
	}
	for _, k := range missing {
		if !found[k] {
			l.cache.put(k, cached{})
		}
	}
	return nil
}

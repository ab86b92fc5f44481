package embedded

import (
	"context"
	"fmt"
	"github.com/plumbline/plumbline/internal/dbx"
	"sort"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
)

// run is the sequencer: it takes everything queued (up to maxBatch),
// executes it in order and commits it as one group, until Close.
func (l *Ledger) run() {
	defer close(l.done)
	stale := false
	for {
		var group []*request
		var carried *batch // a batch taken while filling the group, run after it
		select {
		case r := <-l.queue:
			switch {
			case r.preload != nil:
				l.runPreload(r, stale)
				continue
			case r.batch != nil:
				carried = r.batch
			default:
				group = append(group, r)
			}
		case <-l.stop:
			l.drain()
			return
		}
		if hook := l.testBeforeGroup.Load(); hook != nil {
			(*hook)()
		}
	fill:
		for carried == nil && len(group) < l.maxBatch {
			select {
			case r := <-l.queue:
				if r.preload != nil {
					l.runPreload(r, stale)
					continue
				}
				if r.batch != nil {
					carried = r.batch
					break fill
				}
				group = append(group, r)
			default:
				break fill
			}
		}
		if len(group) > 0 {
			l.runGroup(group, false, &stale)
		}
		if carried != nil {
			l.runGroup(carried.reqs, carried.atomic, &stale)
		}
	}
}

// runPreload answers a Preload; after a failed commit the cache is about
// to be cleared anyway, so it does nothing.
func (l *Ledger) runPreload(r *request, stale bool) {
	var err error
	if !stale {
		err = l.preloadCache(r.ctx, r.preload)
	}
	r.res <- result{err: err}
}

// runGroup executes and commits one group, reloading the ledger first
// when the previous commit failed.
func (l *Ledger) runGroup(group []*request, atomic bool, stale *bool) {
	if *stale {
		// A failed commit may or may not have reached the database;
		// start again from what it holds.
		before := l.size
		if err := l.load(context.Background()); err != nil {
			replyAll(group, fmt.Errorf("reload ledger after a failed commit: %w", err))
			return
		}
		*stale = false
		if l.size != before {
			// The failed commit reached the database after all:
			// readers waiting for new events must see it.
			l.log.Warn("a group reported as failed was committed", "head", l.size)
			l.wake()
		}
	}
	start := time.Now()
	if err := l.process(group, atomic); err != nil {
		l.log.Error("embedded ledger group commit failed", "size", len(group), "err", err)
		replyAll(group, err)
		l.cache.clear()
		*stale = true
	} else if obs := l.observer.Load(); obs != nil {
		(*obs)(len(group), time.Since(start))
	}
}

// drain fails every queued request after Close.
func (l *Ledger) drain() {
	for {
		select {
		case r := <-l.queue:
			if r.batch != nil {
				replyAll(r.batch.reqs, ledger.ErrClosed)
				continue
			}
			r.res <- result{err: ledger.ErrClosed}
		default:
			return
		}
	}
}

func replyAll(group []*request, err error) {
	for _, r := range group {
		r.res <- result{err: err}
	}
}

// group is one group's outcome before commit.
type group struct {
	entries []entryRow
	hashes  map[int64]tlog.Hash
	idem    []idemRow
	cp      ledger.Checkpoint
}

type entryRow struct {
	seq  uint64
	txID string
	data []byte
	time time.Time // the transaction's time; a checkpoint's time is its last entry's
	// writes and openings are stored beside a v2 entry (EncodeWrites,
	// EncodeOpenings); nil for a v1 entry.
	writes, openings []byte
}

type idemRow struct {
	org, key string
	seq      uint64
}

// process executes a group against an overlay of the world state, commits
// it in one database transaction and answers every caller. A non-nil error
// means nothing was answered and the commit did not (knowingly) happen.
// An atomic group commits only when none of its transactions is rejected;
// otherwise the rejected ones get their errors, the rest ErrNotApplied.
func (l *Ledger) process(reqs []*request, atomic bool) error {
	ctx := context.Background() // one caller giving up must not abort the others' commit
	if b := l.broken.Load(); b != nil {
		replyAll(reqs, *b)
		return nil
	}
	var ks []idemKey
	for _, r := range reqs {
		if r.part.IdempotencyKey != "" {
			ks = append(ks, idemKey{r.part.Org, r.part.IdempotencyKey})
		}
	}
	known, err := l.lookupIdem(ctx, ks)
	if err != nil {
		return err
	}
	ov := newOverlay(ctx, l)
	g := &group{hashes: map[int64]tlog.Hash{}}
	results := make([]result, len(reqs))
	firstOf := map[idemKey]int{} // idempotency key → index of the request that commits it
	dupOf := map[int]int{}       // index of an in-group retry → index of its first
	size := l.size
	for i, r := range reqs {
		if err := r.ctx.Err(); err != nil {
			results[i].err = err // the caller has gone; do not commit on its behalf
			continue
		}
		k := idemKey{r.part.Org, r.part.IdempotencyKey}
		if k.key != "" {
			if rc, ok := known[k]; ok {
				results[i].r = rc
				continue
			}
			if j, ok := firstOf[k]; ok {
				dupOf[i] = j
				continue
			}
		}
		p := r.part
		writes, err := contract.Execute(ov, contract.Call{TxID: p.TxID, Type: p.Type, Args: r.args, Org: p.Org, User: p.User, Role: p.Role, Time: p.Time, Version: p.ContractVersion})
		if err != nil {
			results[i].err = err
			continue
		}
		size++
		row := entryRow{seq: size, txID: p.TxID, time: p.Time}
		if p.Format == FormatV2 {
			row.writes, row.openings = EncodeWrites(writes), r.openings
			row.data = EncodeEntryV2(size, r.raw, WritesDigestOf(r.writesSalt, row.writes), r.fp, r.sig)
		} else {
			row.data = EncodeEntry(size, r.raw, writes, r.fp, r.sig)
		}
		data := row.data
		hs, err := tlog.StoredHashes(int64(size-1), data, l.groupReader(g.hashes))
		if err != nil {
			return fmt.Errorf("hash entry %d: %w", size, err)
		}
		base := tlog.StoredHashIndex(0, int64(size-1))
		for j, h := range hs {
			g.hashes[base+int64(j)] = h
		}
		for _, w := range writes {
			ov.seq[w.Key] = size
		}
		g.entries = append(g.entries, row)
		results[i].r = ledger.Receipt{Seq: size, TxID: p.TxID, Time: p.Time}
		if k.key != "" {
			firstOf[k] = i
			g.idem = append(g.idem, idemRow{k.org, k.key, size})
		}
	}
	if atomic && len(g.entries) > 0 {
		rejected := false
		for _, res := range results {
			rejected = rejected || res.err != nil
		}
		if rejected {
			for i := range results {
				if results[i].err == nil && !results[i].r.Replayed {
					if _, dup := dupOf[i]; !dup {
						results[i] = result{err: ledger.ErrNotApplied}
					}
				}
			}
			for i := range dupOf {
				results[i] = result{err: ledger.ErrNotApplied}
			}
			dupOf = nil
			g.entries = nil
		}
	}
	if len(g.entries) > 0 {
		root, err := tlog.TreeHash(int64(size), l.groupReader(g.hashes))
		if err != nil {
			return fmt.Errorf("tree hash: %w", err)
		}
		if g.cp, err = l.signCheckpoint(size, root, g.entries[len(g.entries)-1].time); err != nil {
			return err
		}
		if err := l.commit(ctx, g, ov); err != nil {
			return err
		}
		l.applyCommitted(g, ov)
		if g.entries[0].writes != nil {
			l.v2Recorded = true
		}
	}
	for i, j := range dupOf {
		results[i].r = results[j].r
		results[i].r.Replayed = true
	}
	for i, r := range reqs {
		r.res <- results[i]
	}
	return nil
}

// applyCommitted moves a committed group into the in-memory caches and
// wakes Events readers.
func (l *Ledger) applyCommitted(g *group, ov *overlay) {
	l.size = g.cp.Size
	for x, h := range g.hashes {
		l.hashes[x] = h
	}
	l.pruneEdge()
	for k, v := range ov.pending {
		l.cache.put(k, cached{v: v, present: true})
	}
	l.head.Store(l.size)
	cp := g.cp
	l.latest.Store(&cp)
	l.wake()
}

// wake tells Events readers that new entries may be there.
func (l *Ledger) wake() {
	l.notifyMu.Lock()
	if l.notify != nil {
		close(l.notify)
		l.notify = make(chan struct{})
	}
	l.notifyMu.Unlock()
}

// commit writes a group in one database transaction: entries, stored
// hashes, world state, idempotency keys and the checkpoint.
func (l *Ledger) commit(ctx context.Context, g *group, ov *overlay) error {
	wl := dbx.SQLWriteLock(l.db, l.d.name)
	wl.Lock()
	defer wl.Unlock()
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin group commit: %w", err)
	}
	defer tx.Rollback()
	rows := make([][]any, len(g.entries))
	for i, e := range g.entries {
		rows[i] = []any{int64(e.seq), e.txID, e.data}
	}
	if err := insertRows(ctx, tx, l.d, "ledger_entries", []string{"seq", "tx_id", "data"}, rows, ""); err != nil {
		return err
	}
	rows = rows[:0]
	var opens [][]any
	for _, e := range g.entries {
		if e.writes != nil {
			rows = append(rows, []any{int64(e.seq), e.writes})
		}
		if e.openings != nil {
			opens = append(opens, []any{int64(e.seq), e.openings})
		}
	}
	if err := insertRows(ctx, tx, l.d, "ledger_writes", []string{"seq", "data"}, rows, ""); err != nil {
		return err
	}
	if len(rows) > 0 && !l.v2Recorded {
		if err := l.recordV2From(ctx, tx, l.v2From); err != nil {
			return err
		}
	}
	if err := insertRows(ctx, tx, l.d, "ledger_openings", []string{"seq", "data"}, opens, ""); err != nil {
		return err
	}
	ids := make([]int64, 0, len(g.hashes))
	for x := range g.hashes {
		ids = append(ids, x)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	rows = rows[:0]
	for _, x := range ids {
		h := g.hashes[x]
		rows = append(rows, []any{x, h[:]})
	}
	if err := insertRows(ctx, tx, l.d, "ledger_hashes", []string{"id", "hash"}, rows, ""); err != nil {
		return err
	}
	keys := make([]string, 0, len(ov.pending))
	for k := range ov.pending {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows = rows[:0]
	for _, k := range keys {
		rows = append(rows, []any{k, ov.pending[k], int64(ov.seq[k])})
	}
	if err := insertRows(ctx, tx, l.d, "ledger_state", []string{"state_key", "value", "seq"}, rows,
		" ON CONFLICT (state_key) DO UPDATE SET value = excluded.value, seq = excluded.seq"); err != nil {
		return err
	}
	rows = rows[:0]
	for _, r := range g.idem {
		rows = append(rows, []any{r.org, r.key, int64(r.seq)})
	}
	if err := insertRows(ctx, tx, l.d, "ledger_idempotency", []string{"org", "idem_key", "seq"}, rows, ""); err != nil {
		return err
	}
	cp := []any{int64(g.cp.Size), g.cp.Root, g.cp.Time.UnixNano(), g.cp.Note}
	if err := insertRows(ctx, tx, l.d, "ledger_checkpoints", []string{"size", "root", "time_ns", "note"}, [][]any{cp}, ""); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		// The database may have committed before the error reached us.
		return fmt.Errorf("commit group, outcome unknown (retry with the same idempotency key to be safe): %w", err)
	}
	return nil
}

package embedded

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/ledger/contract"
)

// verifier is one Verify run.
type verifier struct {
	ctx     context.Context
	q       querier
	d       dialect
	ca      *x509.Certificate
	noteKey noteKey
	v2From  uint64 // the first v2 entry (ledger_meta); 0: none
	opts    VerifyOptions
	mem     *contract.MemState
	rep     VerifyReport

	certs    map[[32]byte]certInfo
	lastNote []byte // the signed note of rep.Checkpoint
	total    uint64
	next     uint64              // the seq the next entry must have
	frontier map[int64]tlog.Hash // recomputed hashes on the right edge (and a few more)
	writer   writers             // state key → seq of its last writer
	idem     map[idemKey]uint64  // idempotency key → seq
}

func (v *verifier) run() error {
	v.next, v.frontier, v.writer, v.idem = 1, map[int64]tlog.Hash{}, writers{idx: map[string]int{}}, map[idemKey]uint64{}
	if err := v.loadCerts(); err != nil {
		return err
	}
	if s := v.opts.since; s > 0 {
		// The trusted tree of s entries is the starting point: its right
		// edge, whose hashes CheckTrusted found to give the trusted root.
		edge := edgeIndexes(int64(s))
		hs, err := readHashes(v.ctx, v.q, v.d, edge)
		if err != nil {
			return fmt.Errorf("verify: the trusted tree's edge: %w", err)
		}
		for i, x := range edge {
			v.frontier[x] = hs[i]
		}
		v.next = s + 1
	}
	var maxSeq, maxCP sql.NullInt64
	if err := v.q.QueryRowContext(v.ctx, `SELECT MAX(seq) FROM ledger_entries`).Scan(&maxSeq); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if err := v.q.QueryRowContext(v.ctx, `SELECT MAX(size) FROM ledger_checkpoints`).Scan(&maxCP); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	v.total = uint64(max(maxSeq.Int64, maxCP.Int64))
	ctx, cancel := context.WithCancel(v.ctx)
	defer cancel()
	work, order := make(chan *vbatch, 2*v.opts.Workers), make(chan *vbatch, 2*v.opts.Workers)
	var wg sync.WaitGroup
	for range v.opts.Workers {
		wg.Add(1)
		go v.check(work, &wg)
	}
	readErr := make(chan error, 1)
	go func() { readErr <- v.read(ctx, work, order) }()
	var firstErr error
	for b := range order {
		if firstErr != nil {
			continue // drain so the reader can finish
		}
		select {
		case <-b.ready:
		case <-v.ctx.Done():
			firstErr = v.ctx.Err()
			cancel()
			continue
		}
		if err := v.batch(b); err != nil {
			firstErr = err
			cancel()
		}
	}
	wg.Wait()
	if err := <-readErr; firstErr == nil && err != nil {
		firstErr = err
	}
	if firstErr != nil {
		return firstErr
	}
	if v.opts.Progress != nil {
		v.opts.Progress(v.rep.Entries, v.total)
	}
	v.rep.Checkpoint.Note = string(v.lastNote)
	return v.finish()
}

// batch checks one page of entries in order.
func (v *verifier) batch(b *vbatch) error {
	hi, ci := 0, 0
	for i, seq := range b.seqs {
		if seq != v.next {
			return verr(v.next, "ledger_entries", "", "entry is missing (the next stored entry is %d)", seq)
		}
		if b.errs[i] != nil {
			return b.errs[i]
		}
		e := b.entries[i]
		if e.Seq != seq {
			return verr(seq, "ledger_entries", "", "the row holds the entry of seq %d (entries reordered?)", e.Seq)
		}
		if b.txIDs[i] != e.Tx.TxID {
			return verr(seq, "ledger_entries", "", "the tx_id column says %q but the entry is transaction %q", b.txIDs[i], e.Tx.TxID)
		}
		n := int64(seq - 1)
		hs, err := tlog.StoredHashesForRecordHash(n, b.leaves[i], v.frontierReader())
		if err != nil {
			return verr(seq, "ledger_hashes", "", "cannot recompute the tree: %v", err)
		}
		base := tlog.StoredHashIndex(0, n)
		for j, h := range hs {
			id := base + int64(j)
			if hi >= len(b.hashes) || b.hashes[hi].id != id {
				return verr(seq, "ledger_hashes", strconv.FormatInt(id, 10), "stored hash is missing")
			}
			if !bytes.Equal(b.hashes[hi].hash, h[:]) {
				if j == 0 {
					return verr(seq, "ledger_entries", "", "entry bytes do not hash to the stored leaf hash")
				}
				return verr(seq, "ledger_hashes", strconv.FormatInt(id, 10), "stored hash differs from the one recomputed from the entries")
			}
			v.frontier[id] = h
			hi++
		}
		v.rep.Hashes += uint64(len(hs))
		for ; ci < len(b.cps) && b.cps[ci].size <= seq; ci++ {
			if err := v.checkpoint(b, ci, seq, e.Tx.Time); err != nil {
				return err
			}
		}
		if v.opts.since == 0 {
			if err := v.replay(e); err != nil {
				return err
			}
		}
		v.rep.Entries++
		v.next++
		if seq%1024 == 0 {
			v.pruneFrontier(int64(seq))
		}
	}
	if v.opts.Progress != nil {
		v.opts.Progress(v.rep.Entries, v.total)
	}
	return nil
}

// checkpoint checks stored checkpoint ci of b against the tree of seq
// entries, the last of which has time last.
func (v *verifier) checkpoint(b *vbatch, ci int, seq uint64, last time.Time) error {
	c := b.cps[ci]
	key := strconv.FormatUint(c.size, 10)
	if c.size != seq {
		return verr(c.size, "ledger_checkpoints", key, "checkpoint size does not match the log")
	}
	if b.cpErrs[ci] != nil {
		return verr(c.size, "ledger_checkpoints", key, "signed note does not verify: %v", b.cpErrs[ci])
	}
	signed := b.cpText[ci]
	if signed.Size != c.size || !bytes.Equal(signed.Root, c.root) {
		return verr(c.size, "ledger_checkpoints", key, "stored size/root (%d, %x) differ from the signed note (%d, %x)", c.size, c.root, signed.Size, signed.Root)
	}
	if signed.Time.IsZero() && !last.Equal(time.Unix(0, c.timeNS)) {
		return verr(c.size, "ledger_checkpoints", key, "stored time %s is not the time %s of the checkpoint's last entry",
			time.Unix(0, c.timeNS).UTC().Format(time.RFC3339Nano), last.UTC().Format(time.RFC3339Nano))
	}
	if !signed.Time.IsZero() && !signed.Time.Equal(time.Unix(0, c.timeNS)) {
		return verr(c.size, "ledger_checkpoints", key, "stored time %s differs from the signed note's %s",
			time.Unix(0, c.timeNS).UTC().Format(time.RFC3339Nano), signed.Time.Format(time.RFC3339Nano))
	}
	root, err := tlog.TreeHash(int64(seq), v.frontierReader())
	if err != nil {
		return verr(c.size, "ledger_checkpoints", key, "cannot compute the root: %v", err)
	}
	if !bytes.Equal(root[:], c.root) {
		return verr(c.size, "ledger_checkpoints", key, "signed root %x is not the root %x of the first %d entries", c.root, root[:], seq)
	}
	if signed.Time.IsZero() {
		signed.Time = time.Unix(0, c.timeNS).UTC()
	}
	v.rep.Checkpoint = signed
	v.lastNote = c.note
	v.rep.Checkpoints++
	return nil
}

// replay runs the entry through the contract on the replayed state and
// compares the writes.
func (v *verifier) replay(e Entry) error {
	t := e.Tx
	got, err := contract.Execute(v.mem, contract.Call{TxID: t.TxID, Type: t.Type, Args: t.Args, Org: t.Org, User: t.User, Role: t.Role, Time: t.Time, Version: t.ContractVersion})
	if err != nil {
		return verr(e.Seq, "ledger_entries", "", "the contract rejects the entry on replay: %v", err)
	}
	if len(got) != len(e.Writes) {
		return verr(e.Seq, "ledger_entries", "", "replay writes %d keys, the entry records %d", len(got), len(e.Writes))
	}
	for i, w := range got {
		if w.Key != e.Writes[i].Key || !bytes.Equal(w.Value, e.Writes[i].Value) {
			return verr(e.Seq, "ledger_entries", w.Key, "replay writes a different value than the entry records")
		}
		v.writer.set(w.Key, e.Seq)
	}
	if t.IdempotencyKey != "" {
		k := idemKey{t.Org, t.IdempotencyKey}
		if prev, dup := v.idem[k]; dup {
			return verr(e.Seq, "ledger_entries", "", "idempotency key %q of %s was already used by entry %d", t.IdempotencyKey, t.Org, prev)
		}
		v.idem[k] = e.Seq
	}
	return nil
}

func (v *verifier) frontierReader() tlog.HashReader { return mapReader(v.frontier) }

// mapReader reads stored hashes from m, the hashes recomputed so far (the
// right edge of the tree and the current page's).
func mapReader(m map[int64]tlog.Hash) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			h, ok := m[x]
			if !ok {
				return nil, fmt.Errorf("hash %d not recomputed", x)
			}
			out[i] = h
		}
		return out, nil
	})
}

// pruneFrontier keeps only the right edge of a tree of n entries.
func (v *verifier) pruneFrontier(n int64) {
	keep := map[int64]tlog.Hash{}
	for _, x := range edgeIndexes(n) {
		keep[x] = v.frontier[x]
	}
	v.frontier = keep
}

// writers maps each state key to the seq of the entry that wrote it last,
// through an index into a slice so that compareState can mark keys without
// allocating.
type writers struct {
	idx map[string]int
	seq []uint64
}

func (w *writers) set(k string, seq uint64) {
	if i, ok := w.idx[k]; ok {
		w.seq[i] = seq
		return
	}
	w.idx[k] = len(w.seq)
	w.seq = append(w.seq, seq)
}

// get returns the last writer of k, or 0 when no entry wrote it.
func (w *writers) get(k string) uint64 {
	if i, ok := w.idx[k]; ok {
		return w.seq[i]
	}
	return 0
}

package ledgertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// memLedger is a minimal reference backend that shows the suite can be
// passed: the contract over a MemState, events in a slice, a Merkle tree
// recomputed from the definition.
type memLedger struct {
	mu      sync.Mutex
	st      *contract.MemState
	events  []ledger.Event
	entries [][]byte
	idem    map[string]ledger.Receipt
	notify  chan struct{}
	closed  bool
	bug     string // a deliberate defect, for TestSuiteCatchesBrokenBackends
}

func newMemLedger(t *testing.T) ledger.Ledger {
	l := &memLedger{st: contract.NewMemState(), idem: map[string]ledger.Receipt{}, notify: make(chan struct{}), bug: os.Getenv(mutantEnv)}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func (l *memLedger) Submit(ctx context.Context, tx ledger.Tx) (ledger.Receipt, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed && l.bug != "open-after-close" {
		return ledger.Receipt{}, ledger.ErrClosed
	}
	ik := tx.Org + "\x00" + tx.IdempotencyKey
	if r, ok := l.idem[ik]; ok && tx.IdempotencyKey != "" && l.bug != "no-idempotency" {
		r.Replayed = l.bug != "no-replayed-flag"
		return r, nil
	}
	if tx.Time.IsZero() {
		tx.Time = time.Now().UTC().Truncate(time.Microsecond)
	}
	seq := uint64(len(l.events)) + 1
	sum := sha256.Sum256(fmt.Appendf(nil, "%d|%s|%s", seq, tx.Type, tx.Args))
	txID := hex.EncodeToString(sum[:16])
	ws, err := contract.Execute(l.st, contract.Call{TxID: txID, Type: tx.Type, Args: tx.Args, Org: tx.Org, User: tx.User, Role: tx.Role, Time: tx.Time})
	if err != nil {
		if l.bug == "untyped-errors" {
			return ledger.Receipt{}, fmt.Errorf("submit %s: %v", tx.Type, err)
		}
		return ledger.Receipt{}, fmt.Errorf("submit %s: %w", tx.Type, err)
	}
	e := ledger.Event{Seq: seq, TxID: txID, Type: tx.Type, Args: tx.Args, Org: tx.Org, User: tx.User, Role: tx.Role, Time: tx.Time}
	if l.bug == "server-time" {
		e.Time = time.Now()
	}
	for _, w := range ws {
		if l.bug == "no-writes" {
			break
		}
		e.Writes = append(e.Writes, ledger.Write{Key: w.Key, Value: w.Value})
	}
	entry, _ := json.Marshal(e)
	l.events = append(l.events, e)
	l.entries = append(l.entries, entry)
	r := ledger.Receipt{Seq: seq, TxID: txID, Time: tx.Time}
	if tx.IdempotencyKey != "" {
		l.idem[ik] = r
	}
	close(l.notify)
	l.notify = make(chan struct{})
	return r, nil
}

func (l *memLedger) Head(ctx context.Context) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bug == "head-off-by-one" && len(l.events) > 3 {
		return uint64(len(l.events)) - 1, nil
	}
	return uint64(len(l.events)), nil
}

func (l *memLedger) Events(ctx context.Context, after uint64, fn func(ledger.Event) error) error {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return ledger.ErrClosed
		}
		var batch []ledger.Event
		if after < uint64(len(l.events)) {
			batch = append(batch, l.events[after:]...)
		}
		switch {
		case l.bug == "events-skip" && len(batch) > 2:
			batch = append(batch[:1], batch[2:]...)
		case l.bug == "events-repeat" && len(batch) > 0 && after > 0:
			batch = append([]ledger.Event{l.events[after-1]}, batch...)
		case l.bug == "events-no-stream" && len(batch) == 0:
			l.mu.Unlock()
			return nil
		}
		wait := l.notify
		l.mu.Unlock()
		for _, e := range batch {
			if err := fn(e); err != nil && l.bug != "events-ignore-fn-error" {
				return err
			}
			after = e.Seq
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			if l.bug == "events-ignore-cancel" {
				<-wait
				continue
			}
			return ctx.Err()
		case <-wait:
		}
	}
}

func (l *memLedger) State(ctx context.Context, key string) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, err := l.st.Get(key)
	if l.bug == "state-nil-nil" && err != nil {
		return nil, nil
	}
	return v, err
}

func (l *memLedger) Checkpoint(ctx context.Context) (ledger.Checkpoint, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	root := RootHash(l.entries)
	return ledger.Checkpoint{Size: uint64(len(l.entries)), Root: root, Note: fmt.Sprintf("memledger\n%d\n%x\n", len(l.entries), root)}, nil
}

func (l *memLedger) Evidence(ctx context.Context, seq uint64) (ledger.Evidence, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq == 0 || seq > uint64(len(l.entries)) {
		return ledger.Evidence{}, fmt.Errorf("seq %d: %w", seq, models.ErrNotFound)
	}
	i := int(seq - 1)
	if l.bug == "evidence-wrong-entry" && i > 0 {
		i--
	}
	root := RootHash(l.entries)
	return ledger.Evidence{
		Kind: ledger.EvidenceMerkle, Seq: seq, TxID: l.events[i].TxID, Entry: l.entries[i],
		LeafIndex: uint64(i), LeafHash: LeafHash(l.entries[i]), Proof: inclusionPath(i, l.entries),
		Checkpoint: ledger.Checkpoint{Size: uint64(len(l.entries)), Root: root, Note: fmt.Sprintf("memledger\n%d\n%x\n", len(l.entries), root)},
	}, nil
}

func (l *memLedger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.notify)
	}
	return nil
}

// verifyMemEvidence checks that the entry is e's and the note names the root.
func verifyMemEvidence(ev ledger.Evidence, e ledger.Event) error {
	var got ledger.Event
	if err := json.Unmarshal(ev.Entry, &got); err != nil {
		return err
	}
	if got.Seq != e.Seq || got.TxID != e.TxID || !bytes.Equal(got.Args, e.Args) {
		return fmt.Errorf("entry is seq %d tx %s, not seq %d tx %s", got.Seq, got.TxID, e.Seq, e.TxID)
	}
	if want := fmt.Sprintf("memledger\n%d\n%x\n", ev.Checkpoint.Size, ev.Checkpoint.Root); ev.Checkpoint.Note != want {
		return fmt.Errorf("note %q does not sign the checkpoint", ev.Checkpoint.Note)
	}
	return nil
}

func TestSuiteOnReferenceLedger(t *testing.T) {
	timeout := 5 * time.Second
	if os.Getenv(mutantEnv) != "" {
		timeout = time.Second // a mutant's failures are mostly waits that time out
	}
	Suite{NewLedger: newMemLedger, EvidenceKind: ledger.EvidenceMerkle, VerifyEvidence: verifyMemEvidence, Timeout: timeout}.Run(t)
}

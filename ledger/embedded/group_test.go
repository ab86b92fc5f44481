package embedded

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// holdGroup makes the sequencer wait, after taking a group's first
// request, until n more are queued, so they all join one group.
func holdGroup(l *Ledger, n int) {
	hook := func() {
		deadline := time.Now().Add(10 * time.Second)
		for len(l.queue) < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	l.testBeforeGroup.Store(&hook)
}

func countCheckpoints(t *testing.T, l *Ledger) int {
	t.Helper()
	var n int
	if err := l.db.QueryRow(`SELECT COUNT(*) FROM ledger_checkpoints`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGroupCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		l := e.open()
		seed(t, l, 2)
		cps := countCheckpoints(t, l)
		keyed := productTx("mill-0", "keyed")
		keyed.IdempotencyKey = "k-keyed"
		txs := []ledger.Tx{
			productTx("mill-0", "a"), productTx("mill-1", "b"), productTx("mill-0", "c"),
			productTx("mill-1", "dup"), productTx("mill-0", "dup"), // one of these conflicts
			productTx("stranger", "x"), // not registered: forbidden
			{Type: "RegisterProduct", Args: []byte(`{"product":{}}`), Org: "mill-0", User: "u", Role: models.RoleAdmin}, // invalid
			keyed, keyed, keyed, // one commit, two replays
		}
		holdGroup(l, len(txs)-2) // the invalid one never reaches the queue
		rs := make([]ledger.Receipt, len(txs))
		errs := make([]error, len(txs))
		var wg sync.WaitGroup
		for i, tx := range txs {
			wg.Go(func() { rs[i], errs[i] = l.Submit(context.Background(), tx) })
		}
		wg.Wait()
		l.testBeforeGroup.Store(nil)
		var committed, conflicts, replays int
		for i, err := range errs {
			var me *models.Error
			switch {
			case err == nil && rs[i].Replayed:
				replays++
			case err == nil:
				committed++
			case errors.As(err, &me) && errors.Is(err, models.ErrConflict):
				conflicts++
			case errors.As(err, &me) && (errors.Is(err, models.ErrForbidden) || errors.Is(err, models.ErrInvalid)):
			default:
				t.Fatalf("tx %d: %v", i, err)
			}
		}
		if committed != 5 || conflicts != 1 || replays != 2 {
			t.Fatalf("committed %d, conflicts %d, replays %d; want 5, 1, 2", committed, conflicts, replays)
		}
		if got := countCheckpoints(t, l) - cps; got != 1 {
			t.Fatalf("%d checkpoints for one group, want 1", got)
		}
		if h, _ := l.Head(context.Background()); h != 3+5 {
			t.Fatalf("head %d, want 8", h)
		}
		if _, err := l.Verify(context.Background(), VerifyOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIdempotencyRaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		l := e.open(func(o *Options) { o.MaxBatch = 4 }) // retries spread over several groups
		seed(t, l, 1)
		ctx := context.Background()
		// A rejected transaction does not consume its key.
		bad := productTx("mill-0", "p")
		bad.Role = models.RoleViewer
		bad.IdempotencyKey = "k"
		if _, err := l.Submit(ctx, bad); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("viewer registering a product: %v", err)
		}
		good := productTx("mill-0", "p")
		good.IdempotencyKey = "k"
		var wg sync.WaitGroup
		rs := make([]ledger.Receipt, 40)
		errs := make([]error, 40)
		for i := range rs {
			wg.Go(func() {
				time.Sleep(time.Duration(i%5) * time.Millisecond)
				rs[i], errs[i] = l.Submit(ctx, good)
			})
		}
		wg.Wait()
		fresh := 0
		for i := range rs {
			if errs[i] != nil {
				t.Fatalf("retry %d: %v", i, errs[i])
			}
			if rs[i].Seq != rs[0].Seq || rs[i].TxID != rs[0].TxID || !rs[i].Time.Equal(rs[0].Time) {
				t.Fatalf("retry %d got %+v, retry 0 got %+v", i, rs[i], rs[0])
			}
			if !rs[i].Replayed {
				fresh++
			}
		}
		if fresh != 1 {
			t.Fatalf("%d retries committed, want 1", fresh)
		}
		// After a restart the key still answers with the first receipt.
		l.Close()
		l = e.open()
		r, err := l.Submit(ctx, good)
		if err != nil || !r.Replayed || r.Seq != rs[0].Seq {
			t.Fatalf("retry after restart = %+v, %v; want seq %d replayed", r, err, rs[0].Seq)
		}
		if h, _ := l.Head(ctx); h != rs[0].Seq {
			t.Fatalf("head %d, want %d", h, rs[0].Seq)
		}
		if _, err := l.Verify(ctx, VerifyOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCommitFailureRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		l := e.open()
		seed(t, l, 1)
		ctx := context.Background()
		execSQL(t, l.db, l.d, `ALTER TABLE ledger_checkpoints RENAME TO ledger_checkpoints_away`)
		holdGroup(l, 3)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { _, errs[i] = l.Submit(ctx, productTx("mill-0", fmt.Sprintf("f-%d", i))) })
		}
		wg.Wait()
		l.testBeforeGroup.Store(nil)
		for i, err := range errs {
			if err == nil {
				t.Fatalf("submit %d succeeded although its group could not commit", i)
			}
		}
		execSQL(t, l.db, l.d, `ALTER TABLE ledger_checkpoints_away RENAME TO ledger_checkpoints`)
		if h, _ := l.Head(ctx); h != 2 {
			t.Fatalf("head %d after a failed commit, want 2", h)
		}
		r := mustSubmit(t, l, productTx("mill-0", "f-0"))
		if r.Seq != 3 {
			t.Fatalf("seq after a failed commit %d, want 3", r.Seq)
		}
		if _, err := l.Verify(ctx, VerifyOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestBadIdempotencyKeys: a key the database could not index, or with bytes
// PostgreSQL refuses, is the submitter's error (ErrInvalid), caught before
// it can fail the commit of everyone else in its group.
func TestBadIdempotencyKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		l := e.open()
		seed(t, l, 1)
		ctx := context.Background()
		head, _ := l.Head(ctx)
		for name, key := range map[string]string{
			"too long":     strings.Repeat("k", 3000),
			"NUL byte":     "key\x00",
			"invalid UTF8": "key\xff",
			"line break":   "key\nmore",
		} {
			tx := productTx("mill-0", "p-"+strings.ReplaceAll(name, " ", "-"))
			tx.IdempotencyKey = key
			if _, err := l.Submit(ctx, tx); !errors.Is(err, models.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		ok := productTx("mill-0", "p-ok")
		ok.IdempotencyKey = strings.Repeat("k", 200)
		mustSubmit(t, l, ok)
		if h, _ := l.Head(ctx); h != head+1 {
			t.Fatalf("head %d, want %d: only the good key commits", h, head+1)
		}
	})
}

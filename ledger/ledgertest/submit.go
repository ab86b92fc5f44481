package ledgertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// testEmpty: a fresh ledger has head 0, no state and no events.
func testEmpty(t *testing.T, f *fixture) {
	if h := f.head(); h != 0 {
		t.Fatalf("Head of an empty ledger = %d, want 0", h)
	}
	if _, err := f.l.State(f.ctx, models.Key(models.PrefixOrg, authOrg)); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("State of a missing key: err = %v, want models.ErrNotFound", err)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 300*time.Millisecond)
	defer cancel()
	var n atomic.Int32
	_ = f.runEvents(ctx, 0, func(ledger.Event) error { n.Add(1); return nil })
	if n := n.Load(); n != 0 {
		t.Fatalf("Events on an empty ledger delivered %d events", n)
	}
}

// testSubmitCommits: a committed transaction has a receipt, moves the head
// and its record is in the world state.
func testSubmitCommits(t *testing.T, f *fixture) {
	r1 := f.bootstrap()
	if r1.Replayed {
		t.Errorf("first submission has Replayed = true")
	}
	if h := f.head(); h != r1.Seq {
		t.Errorf("Head = %d after the first commit, want its Seq %d", h, r1.Seq)
	}
	r2 := f.register("steel-mill", models.KindManufacturer)
	if r2.TxID == r1.TxID {
		t.Errorf("two transactions share TxID %q", r1.TxID)
	}
	if h := f.head(); h != r2.Seq {
		t.Errorf("Head = %d after the second commit, want its Seq %d", h, r2.Seq)
	}
	for _, c := range []struct {
		id   string
		kind models.OrgKind
		r    ledger.Receipt
	}{{authOrg, models.KindAuthority, r1}, {"steel-mill", models.KindManufacturer, r2}} {
		var o models.Organization
		if err := json.Unmarshal(f.state(models.Key(models.PrefixOrg, c.id)), &o); err != nil {
			t.Fatalf("State(org/%s) is not an organization: %v", c.id, err)
		}
		if o.ID != c.id || o.Kind != c.kind || o.Name != "Organization "+c.id || o.TxID != c.r.TxID {
			t.Errorf("State(org/%s) = %+v, want id %s, kind %s, tx_id %s", c.id, o, c.id, c.kind, c.r.TxID)
		}
	}
}

// testSubmitSetsTime: a transaction without a time gets the backend's clock.
func testSubmitSetsTime(t *testing.T, f *fixture) {
	tx := f.regTx(authOrg, authOrg, models.KindAuthority)
	tx.User = authUser
	tx.Time = time.Time{}
	before := time.Now()
	r := f.submit(tx)
	after := time.Now()
	ev := f.events(0, r.Seq)
	got := ev[len(ev)-1].Time
	if got.IsZero() || got.Before(before.Add(-time.Hour)) || got.After(after.Add(time.Hour)) {
		t.Fatalf("event time of a transaction submitted without one = %v, want the backend's clock (about %v)", got, before)
	}
}

// testReceiptsOrdered: sequential commits get strictly increasing Seqs.
func testReceiptsOrdered(t *testing.T, f *fixture) {
	rs := []ledger.Receipt{f.bootstrap()}
	for i := range 10 {
		rs = append(rs, f.register(fmt.Sprintf("carrier-%02d", i), models.KindCarrier))
	}
	seen := map[string]bool{}
	for i, r := range rs {
		if i > 0 && r.Seq <= rs[i-1].Seq {
			t.Errorf("receipt %d has Seq %d, not after the previous %d", i, r.Seq, rs[i-1].Seq)
		}
		if seen[r.TxID] {
			t.Errorf("TxID %q repeats", r.TxID)
		}
		seen[r.TxID] = true
	}
	if h := f.head(); h != rs[len(rs)-1].Seq {
		t.Errorf("Head = %d, want the last Seq %d", h, rs[len(rs)-1].Seq)
	}
}

// testRejectConflict: registering an organization twice is a conflict that
// changes nothing.
func testRejectConflict(t *testing.T, f *fixture) {
	r1 := f.bootstrap()
	r2 := f.register("cement-plant", models.KindManufacturer)
	key := models.Key(models.PrefixOrg, "cement-plant")
	before, h := f.state(key), f.head()

	tx := f.regTx(authOrg, "cement-plant", models.KindCarrier)
	tx.User = authUser
	tx.IdempotencyKey = "dup-cement-plant"
	_, err := f.l.Submit(f.ctx, tx)
	me := wantModelsError(t, err, models.ErrConflict, "registering an organization twice")
	if me.Field != "organization.id" {
		t.Errorf("conflict names field %q, want organization.id", me.Field)
	}
	// The code and parameters survive the backend's error path, so a page
	// can say it in the reader's language.
	if !slices.Contains(me.Params, "cement-plant") && !slices.Contains(me.Params, `"cement-plant"`) {
		t.Errorf("conflict %+v does not carry the organization as a parameter", me)
	}
	if got := f.head(); got != h {
		t.Fatalf("Head moved from %d to %d after a rejected transaction", h, got)
	}
	if got := f.state(key); !bytes.Equal(got, before) {
		t.Fatalf("State(%s) changed after a rejected transaction:\n%s\nwant\n%s", key, got, before)
	}
	r3 := f.register("quarry", models.KindManufacturer)
	evs := f.events(0, r3.Seq)
	if got, want := fmt.Sprint(txIDs(evs)), fmt.Sprint([]string{r1.TxID, r2.TxID, r3.TxID}); got != want {
		t.Fatalf("events after a rejection = %s, want %s", got, want)
	}
}

// testRejectForbiddenAndInvalid: permission and input errors are classified
// and change nothing.
func testRejectForbiddenAndInvalid(t *testing.T, f *fixture) {
	_, err := f.l.Submit(f.ctx, f.regTx("steel-mill", "steel-mill", models.KindManufacturer))
	wantModelsError(t, err, models.ErrForbidden, "a manufacturer as the first organization")
	if h := f.head(); h != 0 {
		t.Fatalf("Head = %d after a rejected first transaction", h)
	}
	f.bootstrap()
	f.register("steel-mill", models.KindManufacturer)
	h := f.head()

	_, err = f.l.Submit(f.ctx, f.regTx("steel-mill", "carrier-x", models.KindCarrier))
	wantModelsError(t, err, models.ErrForbidden, "a manufacturer registering an organization")

	tx := f.regTx(authOrg, "carrier-y", models.KindCarrier)
	tx.Type = "NoSuchTransaction"
	_, err = f.l.Submit(f.ctx, tx)
	if me := wantModelsError(t, err, models.ErrInvalid, "an unknown transaction type"); me.Field != "type" {
		t.Errorf("unknown type names field %q, want type", me.Field)
	}

	tx = f.regTx(authOrg, "carrier-y", models.KindCarrier)
	tx.Args = json.RawMessage(`{"organization":{"id":"carrier-y","name":"Y","kind":"carrier"},"extra":1}`)
	_, err = f.l.Submit(f.ctx, tx)
	wantModelsError(t, err, models.ErrInvalid, "arguments with an unknown field")

	tx = f.regTx(authOrg, "bad id!", models.KindCarrier)
	_, err = f.l.Submit(f.ctx, tx)
	if me := wantModelsError(t, err, models.ErrInvalid, "an invalid organization id"); me.Field != "organization.id" {
		t.Errorf("invalid id names field %q, want organization.id", me.Field)
	}
	if got := f.head(); got != h {
		t.Fatalf("Head moved from %d to %d after rejected transactions", h, got)
	}
	for _, id := range []string{"carrier-x", "carrier-y"} {
		if _, err := f.l.State(f.ctx, models.Key(models.PrefixOrg, id)); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("State(org/%s) after its rejected registration: err = %v, want not found", id, err)
		}
	}
}

// testRejectDoesNotBlockConcurrent: rejections mixed into concurrent
// submissions neither fail nor undo the others.
func testRejectDoesNotBlockConcurrent(t *testing.T, f *fixture) {
	f.bootstrap()
	f.register("dup", models.KindCarrier)
	h0 := f.head()
	n := f.s.Concurrency
	rs := make([]ledger.Receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("org-%03d", i)
			if i%2 == 0 {
				id = "dup"
			}
			tx := f.regTx(authOrg, id, models.KindCarrier)
			tx.User = authUser
			rs[i], errs[i] = f.l.Submit(f.ctx, tx)
		})
	}
	wg.Wait()
	want := map[string]bool{}
	for i := range n {
		if i%2 == 0 {
			if !errors.Is(errs[i], models.ErrConflict) {
				t.Errorf("duplicate registration %d: err = %v, want a conflict", i, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("registration %d beside rejected ones failed: %v", i, errs[i])
			continue
		}
		if err := checkReceipt(rs[i]); err != nil {
			t.Error(err)
		}
		want[rs[i].TxID] = true
		f.state(models.Key(models.PrefixOrg, fmt.Sprintf("org-%03d", i)))
	}
	if t.Failed() {
		return
	}
	evs := f.events(h0, f.head())
	if len(evs) != len(want) {
		t.Fatalf("%d events after concurrent submissions, want the %d that committed", len(evs), len(want))
	}
	for _, e := range evs {
		if !want[e.TxID] {
			t.Errorf("event %d (%s) is not one of the committed transactions", e.Seq, e.TxID)
		}
	}
}

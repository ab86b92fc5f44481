package ledgertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// The authority every fixture bootstraps with, and its admin.
const (
	authOrg  = "city-bureau"
	authUser = "bureau-admin"
)

// base is the first transaction time; times are whole seconds so that every
// database keeps them exactly.
var base = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// errDone ends an Events loop once the wanted events have arrived.
var errDone = errors.New("ledgertest: done")

// fixture is one subtest's ledger with helpers that fail the test on
// unexpected errors.
type fixture struct {
	t   *testing.T
	s   Suite
	l   ledger.Ledger
	ctx context.Context

	mu   sync.Mutex
	tick int
}

func newFixture(t *testing.T, s Suite) *fixture {
	ctx, cancel := context.WithTimeout(context.Background(), 10*s.Timeout)
	t.Cleanup(cancel)
	return &fixture{t: t, s: s, l: s.NewLedger(t), ctx: ctx}
}

// now returns the next simulated transaction time.
func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tick++
	return base.Add(time.Duration(f.tick) * time.Minute)
}

// orgArgs returns the arguments that register organization id of kind.
func orgArgs(id string, kind models.OrgKind) json.RawMessage {
	o := models.Organization{ID: id, Name: "Organization " + id, Kind: kind, Country: "CN", City: "Hangzhou"}
	if kind == models.KindContractor {
		o.Sites = []string{"tower-a", "metro-b"}
	}
	b, err := json.Marshal(map[string]any{"organization": o})
	if err != nil {
		panic(err)
	}
	return b
}

// regTx returns a transaction in which org's admin registers organization id.
func (f *fixture) regTx(org, id string, kind models.OrgKind) ledger.Tx {
	return ledger.Tx{
		Type: "RegisterOrganization",
		Args: orgArgs(id, kind),
		Org:  org,
		User: org + "-admin",
		Role: models.RoleAdmin,
		Time: f.now(),
	}
}

// bootstrap registers the authority, which registers itself; it must be the
// ledger's first transaction.
func (f *fixture) bootstrap() ledger.Receipt {
	f.t.Helper()
	tx := f.regTx(authOrg, authOrg, models.KindAuthority)
	tx.User = authUser
	return f.submit(tx)
}

// register has the authority register organization id of kind.
func (f *fixture) register(id string, kind models.OrgKind) ledger.Receipt {
	f.t.Helper()
	tx := f.regTx(authOrg, id, kind)
	tx.User = authUser
	return f.submit(tx)
}

// submit submits tx and fails the test unless it commits with a sane receipt.
func (f *fixture) submit(tx ledger.Tx) ledger.Receipt {
	f.t.Helper()
	r, err := f.l.Submit(f.ctx, tx)
	if err != nil {
		f.t.Fatalf("Submit(%s by %s/%s): %v", tx.Type, tx.Org, tx.User, err)
	}
	if err := checkReceipt(r); err != nil {
		f.t.Fatalf("Submit(%s by %s/%s): %v", tx.Type, tx.Org, tx.User, err)
	}
	return r
}

func checkReceipt(r ledger.Receipt) error {
	switch {
	case r.Seq == 0:
		return fmt.Errorf("receipt %+v has Seq 0; sequence numbers start at 1", r)
	case r.TxID == "":
		return fmt.Errorf("receipt %+v has no TxID", r)
	case r.Time.IsZero():
		return fmt.Errorf("receipt %+v has no Time", r)
	}
	return nil
}

// head returns the ledger's head.
func (f *fixture) head() uint64 {
	f.t.Helper()
	h, err := f.l.Head(f.ctx)
	if err != nil {
		f.t.Fatalf("Head: %v", err)
	}
	return h
}

// state returns the value at key, failing the test when it is absent.
func (f *fixture) state(key string) []byte {
	f.t.Helper()
	v, err := f.l.State(f.ctx, key)
	if err != nil {
		f.t.Fatalf("State(%q): %v", key, err)
	}
	return v
}

// events returns every event with after < Seq <= until, reading until the
// event with Seq until has arrived (or the timeout passes). The callback
// also checks that sequence numbers strictly increase.
func (f *fixture) events(after, until uint64) []ledger.Event {
	f.t.Helper()
	var got []ledger.Event
	if until <= after {
		return nil
	}
	ctx, cancel := context.WithTimeout(f.ctx, f.s.Timeout)
	defer cancel()
	err := f.runEvents(ctx, after, func(e ledger.Event) error {
		if e.Seq <= after {
			return fmt.Errorf("Events(after=%d) delivered seq %d", after, e.Seq)
		}
		if n := len(got); n > 0 && e.Seq <= got[n-1].Seq {
			return fmt.Errorf("Events delivered seq %d after seq %d", e.Seq, got[n-1].Seq)
		}
		got = append(got, e)
		if e.Seq > until {
			return fmt.Errorf("Events delivered seq %d but head was %d", e.Seq, until)
		}
		if e.Seq == until {
			return errDone
		}
		return nil
	})
	if !errors.Is(err, errDone) {
		f.t.Fatalf("Events(after=%d) until seq %d: got %d events, then %v", after, until, len(got), err)
	}
	return got
}

// runEvents runs Events and fails the test if it has not returned within
// the timeout after ctx ends.
func (f *fixture) runEvents(ctx context.Context, after uint64, fn func(ledger.Event) error) error {
	f.t.Helper()
	done := make(chan error, 1)
	go func() { done <- f.l.Events(ctx, after, fn) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	select {
	case err := <-done:
		return err
	case <-time.After(f.s.Timeout):
		f.t.Fatalf("Events(after=%d) did not return within %v of its context ending", after, f.s.Timeout)
		return nil
	}
}

// txIDs returns the transaction IDs of events, in order.
func txIDs(evs []ledger.Event) []string {
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.TxID
	}
	return ids
}

// wantModelsError checks that err is a *models.Error of kind with a message.
func wantModelsError(t *testing.T, err, kind error, what string) *models.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: Submit succeeded, want a %v error", what, kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("%s: error %v is not %v", what, err, kind)
	}
	var me *models.Error
	if !errors.As(err, &me) {
		t.Fatalf("%s: error %v (%T) does not wrap a *models.Error", what, err, err)
	}
	if me.Message == "" {
		t.Fatalf("%s: *models.Error %#v has no message", what, me)
	}
	if me.Code == "" {
		t.Fatalf("%s: *models.Error %#v has no code", what, me)
	}
	return me
}

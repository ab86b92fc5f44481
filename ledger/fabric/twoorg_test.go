package fabric

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/projector"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// TestTwoOrganizations runs the consortium as the README describes it: two
// Plumbline backends, one per Fabric organization, each with its own
// identity, peer and read model, on one ledger. Org1 hosts the authority,
// a steel mill and a carrier; Org2 hosts a cement plant and a contractor.
// Both submit at once, each for its own organizations; a steel shipment
// goes from Org1's mill to Org2's contractor, who receives it through
// Org2's backend. Each backend's attempts to act for the other's
// organizations are refused with a 403-class *models.Error and change
// nothing. Afterwards both backends number the same transactions alike,
// their read models pass the check against the committed writes, and the
// two read models hold the same records.
func TestTwoOrganizations(t *testing.T) {
	d := need(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	msp1, msp2 := d.env[1]["PLUMBLINE_FABRIC_MSP_ID"], d.env[2]["PLUMBLINE_FABRIC_MSP_ID"]
	if msp1 == "" || msp2 == "" || msp1 == msp2 {
		t.Fatalf("dev network MSPs %q and %q", msp1, msp2)
	}
	l1, l2 := d.sharedLedgers(t, map[string]string{"cementco": msp2, "buildco": msp2})

	// Org1's authority founds the consortium and registers everyone.
	reg := func(o models.Organization) ledger.Tx {
		args, _ := json.Marshal(contract.RegisterOrganizationArgs{Organization: o})
		return ledger.Tx{Type: "RegisterOrganization", Org: "gov", User: "gov-admin", Role: models.RoleAdmin, Args: args}
	}
	for _, o := range []models.Organization{
		{ID: "gov", Name: "Authority", Kind: models.KindAuthority},
		{ID: "steelco", Name: "Steel Co", Kind: models.KindManufacturer},
		{ID: "haul", Name: "Haulage", Kind: models.KindCarrier},
		{ID: "cementco", Name: "Cement Co", Kind: models.KindManufacturer},
		{ID: "buildco", Name: "Build Co", Kind: models.KindContractor, Sites: []string{"tower-a"}},
	} {
		mustSubmit(t, ctx, l1, reg(o))
	}
	for org, want := range map[string]string{"gov": msp1, "steelco": msp1, "haul": msp1, "cementco": msp2, "buildco": msp2} {
		if got, err := l2.State(ctx, "~msp/"+org); err != nil || string(got) != want {
			t.Fatalf("%s is bound to %q (%v), want %s", org, got, err, want)
		}
	}

	// Both organizations at once, each for its own Plumbline organizations.
	const batches = 12
	work := func(l *Ledger, org, product, gtin, prefix string) error {
		args := fmt.Sprintf(`{"product":{"id":%q,"name":"Product %s","category":"other","standard":"GB 1","unit":"t","gtin":%q,"manufacturer":%q}}`, product, product, gtin, org)
		if _, err := l.Submit(ctx, ledger.Tx{Type: "RegisterProduct", Org: org, User: org + "-op", Role: models.RoleOperator, Args: []byte(args)}); err != nil {
			return err
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*batches)
		for i := range batches {
			wg.Go(func() {
				code := fmt.Sprintf("%s-%02d", prefix, i)
				for _, tx := range []ledger.Tx{
					{Type: "CommissionBatch", Org: org, User: org + "-op", Role: models.RoleOperator,
						Args: []byte(fmt.Sprintf(`{"code":%q,"product_id":%q,"quantity":"10","produced_on":"2026-03-01"}`, code, product))},
					{Type: "AttachDocument", Org: org, User: org + "-op", Role: models.RoleOperator,
						Args: []byte(fmt.Sprintf(`{"batch":%q,"document":{"sha256":"%064x","name":"cert.pdf","media_type":"application/pdf","size":100,"kind":"certificate","visibility":"public"}}`, code, sum(code)))},
				} {
					if _, err := l.Submit(ctx, tx); err != nil {
						errs <- fmt.Errorf("%s %s: %w", tx.Type, code, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	var wg sync.WaitGroup
	var err1, err2 error
	wg.Go(func() { err1 = work(l1, "steelco", "hrb400", testGTIN(1), "ST") })
	wg.Go(func() { err2 = work(l2, "cementco", "po425", testGTIN(2), "CE") })
	wg.Wait()
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}

	// Across organizations: Org1's mill ships to Org2's contractor, who
	// receives it through Org2's backend.
	mustSubmit(t, ctx, l1, ledger.Tx{Type: "DispatchShipment", Org: "steelco", User: "steelco-op", Role: models.RoleOperator,
		Args: []byte(`{"code":"SH-1","to":"buildco","site":"tower-a","carrier":"haul","lines":[{"batch":"ST-00","quantity":"4"}]}`)})
	mustSubmit(t, ctx, l2, ledger.Tx{Type: "ReceiveShipment", Org: "buildco", User: "buildco-op", Role: models.RoleOperator,
		Args: []byte(`{"shipment":"SH-1","lines":[{"line":1,"accepted":"4","rejected":"0"}]}`)})

	// Each backend claiming the other's organizations is refused.
	head, err := l1.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		l    *Ledger
		tx   ledger.Tx
	}{
		{"Org2 commissions for Org1's mill", l2, ledger.Tx{Type: "CommissionBatch", Org: "steelco", User: "intruder", Role: models.RoleAdmin,
			Args: []byte(`{"code":"FAKE-1","product_id":"hrb400","quantity":"10","produced_on":"2026-03-01"}`)}},
		{"Org2 registers as Org1's authority", l2, reg(models.Organization{ID: "rogue", Name: "Rogue", Kind: models.KindAuthority})},
		{"Org1 receives for Org2's contractor", l1, ledger.Tx{Type: "ReceiveShipment", Org: "buildco", User: "intruder", Role: models.RoleAdmin,
			Args: []byte(`{"shipment":"SH-1","lines":[{"line":1,"accepted":"4","rejected":"0"}]}`)}},
		{"Org1 attaches to Org2's cement", l1, ledger.Tx{Type: "AttachDocument", Org: "cementco", User: "intruder", Role: models.RoleAdmin,
			Args: []byte(fmt.Sprintf(`{"batch":"CE-00","document":{"sha256":"%064x","name":"x.pdf","media_type":"application/pdf","size":1,"kind":"certificate","visibility":"public"}}`, sum("x")))}},
	} {
		_, err := c.l.Submit(ctx, c.tx)
		var me *models.Error
		if !errors.As(err, &me) || !errors.Is(err, models.ErrForbidden) || !strings.Contains(me.Message, "MSP") {
			t.Fatalf("%s: got %v, want a forbidden *models.Error naming the MSP", c.name, err)
		}
		t.Logf("%s: refused: %s", c.name, me.Message)
	}

	// Both backends see the same ledger: same head, same numbering.
	h1, err := l1.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := l2.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(5 + 2 + 4*batches + 2); h1 != want || h2 != want || h1 != head {
		t.Fatalf("heads: Org1 %d, Org2 %d, before the refused attempts %d; want %d", h1, h2, head, want)
	}
	var evs [3][]ledger.Event
	state := contract.NewMemState()
	collect(t, ctx, l1, 0, h1, func(e ledger.Event) {
		evs[1] = append(evs[1], e)
		for _, w := range e.Writes {
			_ = state.Put(w.Key, w.Value)
		}
	})
	collect(t, ctx, l2, 0, h2, func(e ledger.Event) { evs[2] = append(evs[2], e) })
	for i := range evs[1] {
		a, b := evs[1][i], evs[2][i]
		if a.Seq != b.Seq || a.TxID != b.TxID || a.Block != b.Block || a.Org != b.Org || len(a.Writes) != len(b.Writes) {
			t.Fatalf("event %d: Org1 sees %s in block %d by %s, Org2 %s in block %d by %s", a.Seq, a.TxID, a.Block, a.Org, b.TxID, b.Block, b.Org)
		}
	}

	// Each backend's read model, projected from its own peer, passes the
	// check against the committed writes, and the two hold the same records.
	var stores [3]*store.Store
	for n, l := range map[int]*Ledger{1: l1, 2: l2} {
		st, err := store.Open(ctx, dbtest.Open(t, "sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		p := projector.New(st, l, nil)
		pctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- p.Run(pctx) }()
		if err := p.WaitFor(ctx, h1); err != nil {
			t.Fatalf("Org%d projector: %v", n, err)
		}
		stop()
		<-done
		if err := st.Check(ctx, h1, state.All()); err != nil {
			t.Fatalf("Org%d read model differs from the ledger: %v", n, err)
		}
		stores[n] = st
	}
	for _, code := range []string{"ST-00", "ST-00.1", "CE-11"} {
		b1, err1 := stores[1].Batch(ctx, code)
		b2, err2 := stores[2].Batch(ctx, code)
		j1, _ := json.Marshal(b1)
		j2, _ := json.Marshal(b2)
		if err1 != nil || err2 != nil || !bytes.Equal(j1, j2) {
			t.Fatalf("batch %s: Org1 read model %s (%v), Org2 %s (%v)", code, j1, err1, j2, err2)
		}
	}
	for k, v := range state.All() {
		got, err := l2.State(ctx, k)
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Org2's chaincode state %s = %s, %v; the events wrote %s", k, got, err, v)
		}
	}
	t.Logf("%d transactions from two organizations; both backends number them alike and both read models match the ledger", h1)
}

// sharedLedgers opens Org1's and Org2's ledgers on one fresh namespace;
// Org1 registers the organizations in orgMSPs for those MSPs.
func (d *devnet) sharedLedgers(t *testing.T, orgMSPs map[string]string) (*Ledger, *Ledger) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	probe, err := Open(ctx, d.config(1, "probe", 0))
	if err != nil {
		t.Fatal(err)
	}
	h, err := probe.height(ctx)
	_ = probe.Close()
	if err != nil {
		t.Fatalf("channel height: %v", err)
	}
	ns := newNamespace()
	var ls [2]*Ledger
	for i := range ls {
		cfg := d.config(i+1, ns, h)
		if i == 0 {
			cfg.OrgMSPs = orgMSPs
		}
		l, err := Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = l.Close() })
		ls[i] = l
	}
	return ls[0], ls[1]
}

func mustSubmit(t *testing.T, ctx context.Context, l *Ledger, tx ledger.Tx) ledger.Receipt {
	t.Helper()
	r, err := l.Submit(ctx, tx)
	if err != nil {
		t.Fatalf("%s by %s: %v", tx.Type, tx.Org, err)
	}
	return r
}

// sum is a stand-in document hash for s.
func sum(s string) []byte {
	h := make([]byte, 32)
	copy(h, s)
	return h
}

package fabric

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/chaincode/wire"
	"github.com/plumbline/plumbline/models"
)

// The hot-key workload: hotKeys batches, hotClients submitters, each
// transaction attaching a new document to a batch chosen at random. An
// attachment reads the batch and writes it back with the document's hash
// appended, so two attachments to one batch whose endorsement and commit
// overlap conflict (MVCC_READ_CONFLICT): the issue's "64 concurrent
// clients on 200 keys".
const (
	hotKeys    = 200
	hotClients = 64
	hotOrg     = "mill"
)

// TestContention runs the hot-key workload through Plumbline's Submit and,
// in the same run, through a bare fabric-gateway client (no retries), and
// reports committed tx/s, commit latency, the conflict rate and, for the
// bare client, the transactions lost to conflicts. Plumbline must lose
// none: every acknowledged attachment is on the ledger exactly once, in
// its batch, and no submission fails. It runs only with FABRIC_HOME and
// PLUMBLINE_FABRIC_BENCH=1; PLUMBLINE_FABRIC_BENCH_SECONDS (default 10)
// is the time per client.
//
//	FABRIC_HOME=/opt/fabric-home PLUMBLINE_FABRIC_BENCH=1 go test -run Contention -v -timeout 20m ./ledger/fabric/
func TestContention(t *testing.T) {
	d, dur := needBench(t, "contention")
	ctx := context.Background()
	l, cfg := d.freshLedger(t, 1, "")
	setupMill(t, ctx, l)
	plBatches := commissionHot(t, ctx, l, "PL")
	baBatches := commissionHot(t, ctx, l, "BA")
	bare := newBareClient(t, cfg)
	var docs atomic.Int64
	attach := func(batch string) (json.RawMessage, string) {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s/doc-%d", cfg.Namespace, docs.Add(1)))
		h := hex.EncodeToString(sum[:])
		return json.RawMessage(fmt.Sprintf(`{"batch":%q,"document":{"sha256":%q,"name":"mill-cert.pdf","media_type":"application/pdf","size":2048,"kind":"certificate","visibility":"public"}}`, batch, h)), h
	}

	// Plumbline.
	before := l.Stats()
	pl := runHot(dur, plBatches, func(batch string) (string, string, error) {
		args, h := attach(batch)
		r, err := l.Submit(ctx, ledger.Tx{Type: "AttachDocument", Org: hotOrg, User: "mill-op", Role: models.RoleOperator, Args: args})
		return h, r.TxID, err
	})
	st := l.Stats()
	committed, attempts := st.Submitted-before.Submitted, st.Attempts-before.Attempts
	conflicted, conflicts := st.Conflicted-before.Conflicted, st.MVCCConflicts-before.MVCCConflicts

	// The bare client, same workload on its own 200 batches.
	var bareConflicts atomic.Int64
	var bareOther sync.Map // a failure other than a read conflict, by message
	ba := runHot(dur, baBatches, func(batch string) (string, string, error) {
		args, h := attach(batch)
		err := bare.submit(ctx, wire.Envelope{Namespace: cfg.Namespace, Type: "AttachDocument", Org: hotOrg, User: "mill-op", Role: models.RoleOperator, Args: args})
		var ce *client.CommitError
		if errors.As(err, &ce) && isConflict(ce.Code) {
			bareConflicts.Add(1)
		} else if err != nil {
			bareOther.Store(err.Error(), true)
		}
		return h, "", err
	})

	// Nothing lost: every acknowledged attachment is in its batch once,
	// each acknowledged transaction is on the ledger once, and the
	// batches hold nothing else.
	head, err := l.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	txs := map[string]int{}
	collect(t, ctx, l, 0, head, func(e ledger.Event) { txs[e.TxID]++ })
	for _, a := range pl.acked {
		if txs[a.txID] != 1 {
			t.Errorf("acknowledged transaction %s (document %s on %s) is on the ledger %d times", a.txID, a.doc[:8], a.batch, txs[a.txID])
		}
	}
	plOn := docsOn(t, ctx, l, plBatches, pl.acked)
	baOn := docsOn(t, ctx, l, baBatches, ba.acked)
	if plOn != len(pl.acked) {
		t.Errorf("plumbline: %d attachments acknowledged, %d on the batches", len(pl.acked), plOn)
	}
	if baOn != len(ba.acked) {
		t.Errorf("bare client: %d attachments acknowledged, %d on the batches", len(ba.acked), baOn)
	}
	for _, err := range pl.errs {
		t.Errorf("plumbline submission failed: %v", err)
	}
	if uint64(len(pl.acked)) != committed {
		t.Errorf("plumbline: %d acknowledged, Stats says %d committed", len(pl.acked), committed)
	}

	t.Logf("hot keys: %d clients attach documents to %d batches (read-modify-write of the batch), %s per client, BatchTimeout 250 ms", hotClients, hotKeys, dur)
	t.Logf("%-10s %9s %9s %9s %9s %9s %22s %s", "client", "submitted", "committed", "tx/s", "p50", "p99", "conflicted tx", "lost")
	t.Logf("%-10s %9d %9d %9.1f %9s %9s %12d (%4.1f%%) %d (errors %d)", "plumbline", len(pl.acked)+len(pl.errs), len(pl.acked), pl.rate, pl.p50, pl.p99,
		conflicted, pct(conflicted, committed), plOn-len(pl.acked), len(pl.errs))
	t.Logf("%-10s %9d %9d %9.1f %9s %9s %12d (%4.1f%%) %d", "bare", len(ba.acked)+len(ba.errs), len(ba.acked), ba.rate, ba.p50, ba.p99,
		bareConflicts.Load(), pct(uint64(bareConflicts.Load()), uint64(len(ba.acked)+len(ba.errs))), len(ba.errs))
	t.Logf("plumbline: %d endorsements for %d transactions; %d conflicts retried (%.1f%% of attempts); goodput %.2fx the bare client's",
		attempts, committed, conflicts, pct(conflicts, attempts), pl.rate/ba.rate)
	bareOther.Range(func(msg, _ any) bool {
		t.Logf("bare client failure other than a read conflict: %s", msg)
		return true
	})
}

func pct(n, of uint64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// setupMill registers the authority, the manufacturer hotOrg and its product.
func setupMill(t *testing.T, ctx context.Context, l *Ledger) {
	t.Helper()
	for _, tx := range []ledger.Tx{
		{Type: "RegisterOrganization", Org: "gov", User: "gov-admin", Role: models.RoleAdmin,
			Args: []byte(`{"organization":{"id":"gov","name":"Authority","kind":"authority"}}`)},
		{Type: "RegisterOrganization", Org: "gov", User: "gov-admin", Role: models.RoleAdmin,
			Args: []byte(`{"organization":{"id":"mill","name":"Steel Mill","kind":"manufacturer"}}`)},
		{Type: "RegisterProduct", Org: hotOrg, User: "mill-op", Role: models.RoleOperator,
			Args: []byte(`{"product":{"id":"hrb400","name":"HRB400 12mm","category":"rebar","standard":"GB 1499.2","unit":"t","manufacturer":"mill"}}`)},
	} {
		if _, err := l.Submit(ctx, tx); err != nil {
			t.Fatalf("%s: %v", tx.Type, err)
		}
	}
}

// commissionHot commissions hotKeys batches prefix-000… of hotOrg's product.
func commissionHot(t *testing.T, ctx context.Context, l *Ledger, prefix string) []string {
	t.Helper()
	codes := make([]string, hotKeys)
	for i := range codes {
		codes[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	errs := make(chan error, hotKeys)
	var wg sync.WaitGroup
	sem := make(chan struct{}, hotClients)
	for _, c := range codes {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, err := l.Submit(ctx, ledger.Tx{Type: "CommissionBatch", Org: hotOrg, User: "mill-op", Role: models.RoleOperator,
				Args: []byte(fmt.Sprintf(`{"code":%q,"product_id":"hrb400","quantity":"25","produced_on":"2026-03-01"}`, c))})
			if err != nil {
				errs <- fmt.Errorf("commission %s: %w", c, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return codes
}

type hotAck struct{ batch, doc, txID string }

type hotResult struct {
	acked    []hotAck
	errs     []error
	rate     float64
	p50, p99 time.Duration
}

// runHot runs op from hotClients goroutines for dur, each call on a batch
// chosen at random.
func runHot(dur time.Duration, batches []string, op func(batch string) (doc, txID string, err error)) hotResult {
	var (
		mu  sync.Mutex
		res hotResult
		lat []time.Duration
		wg  sync.WaitGroup
	)
	start := time.Now()
	stop := start.Add(dur)
	for range hotClients {
		wg.Go(func() {
			for time.Now().Before(stop) {
				b := batches[rand.IntN(len(batches))]
				t0 := time.Now()
				doc, txID, err := op(b)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					res.errs = append(res.errs, err)
				} else {
					res.acked = append(res.acked, hotAck{batch: b, doc: doc, txID: txID})
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(lat)
	if len(lat) > 0 {
		res.rate = float64(len(lat)) / time.Since(start).Seconds()
		res.p50 = lat[len(lat)*50/100].Round(time.Millisecond)
		res.p99 = lat[min(len(lat)-1, len(lat)*99/100)].Round(time.Millisecond)
	}
	return res
}

// docsOn reads every batch from the chaincode's world state, checks that
// each acknowledged document is on its batch exactly once, and returns how
// many documents the batches hold.
func docsOn(t *testing.T, ctx context.Context, l *Ledger, batches []string, acked []hotAck) int {
	t.Helper()
	on := map[string]map[string]int{}
	total := 0
	for _, code := range batches {
		raw, err := l.State(ctx, models.Key(models.PrefixBatch, code))
		if err != nil {
			t.Fatalf("read batch %s: %v", code, err)
		}
		var b models.Batch
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatal(err)
		}
		on[code] = map[string]int{}
		for _, h := range b.Documents {
			on[code][h]++
			total++
		}
	}
	for _, a := range acked {
		if n := on[a.batch][a.doc]; n != 1 {
			t.Errorf("acknowledged document %s is on batch %s %d times", a.doc[:8], a.batch, n)
		}
	}
	return total
}

// TestProductRegistrationContention registers products with distinct
// GTINs from 64 submitters at once. With the contract's GTIN index
// (contract.V2) each registration reads one index key, so registrations
// of different GTINs no longer conflict; before it, each read every
// product and any two that overlapped conflicted (PHANTOM_READ_CONFLICT).
// It reports the conflicts Submit retried; runs with PLUMBLINE_FABRIC_BENCH=1.
func TestProductRegistrationContention(t *testing.T) {
	d, _ := needBench(t, "product registration")
	ctx := context.Background()
	l, _ := d.freshLedger(t, 1, "")
	setupMill(t, ctx, l)
	// The first registration with a GTIN builds the index (under version
	// 1 it is just another registration).
	if _, err := l.Submit(ctx, ledger.Tx{Type: "RegisterProduct", Org: hotOrg, User: "mill-op", Role: models.RoleOperator,
		Args: []byte(fmt.Sprintf(`{"product":{"id":"first","name":"First","category":"rebar","standard":"GB 1499.2","unit":"t","gtin":%q,"manufacturer":"mill"}}`, testGTIN(9999)))}); err != nil {
		t.Fatal(err)
	}
	_, err := l.State(ctx, models.KeyGTINIndexed)
	indexed := err == nil
	const n = 320
	before := l.Stats()
	t0 := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, hotClients)
	var failed atomic.Int64
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			args := fmt.Sprintf(`{"product":{"id":"p%03d","name":"Product %d","category":"rebar","standard":"GB 1499.2","unit":"t","gtin":%q,"manufacturer":"mill"}}`, i, i, testGTIN(i))
			if _, err := l.Submit(ctx, ledger.Tx{Type: "RegisterProduct", Org: hotOrg, User: "mill-op", Role: models.RoleOperator, Args: []byte(args)}); err != nil {
				failed.Add(1)
				t.Errorf("register product %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	el := time.Since(t0)
	st := l.Stats()
	conflicted, conflicts := st.Conflicted-before.Conflicted, st.MVCCConflicts-before.MVCCConflicts
	t.Logf("GTIN index in use: %v: %d product registrations with distinct GTINs from %d submitters in %s (%.1f tx/s); %d failed; %d hit a read conflict (%.1f%%), %d conflicts retried",
		indexed, n, hotClients, el.Round(10*time.Millisecond), float64(n)/el.Seconds(), failed.Load(), conflicted, pct(conflicted, n), conflicts)
	// The duplicate rule still holds through the index.
	_, err = l.Submit(ctx, ledger.Tx{Type: "RegisterProduct", Org: hotOrg, User: "mill-op", Role: models.RoleOperator,
		Args: []byte(fmt.Sprintf(`{"product":{"id":"dup","name":"Dup","category":"rebar","standard":"GB 1499.2","unit":"t","gtin":%q,"manufacturer":"mill"}}`, "0"+testGTIN(7)))})
	var me *models.Error
	if !errors.As(err, &me) || !errors.Is(err, models.ErrConflict) || me.Field != "product.gtin" {
		t.Fatalf("duplicate GTIN: %v", err)
	}
	if v, err := l.State(ctx, models.PrefixGTIN+"0"+testGTIN(7)); indexed && (err != nil || string(v) != "p007") {
		t.Fatalf("GTIN index: %q, %v", v, err)
	}
}

// testGTIN returns a valid GTIN-13 with body 690 followed by n.
func testGTIN(n int) string {
	body := fmt.Sprintf("690%09d", n)
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

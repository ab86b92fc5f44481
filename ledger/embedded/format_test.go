package embedded

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// TestEntryV2: a ledger written in v1 switches to v2 at its next entry and
// records the height; v2 entries name the contract version they ran under,
// hold no private value (only salted commitments, whose openings are kept
// beside them), and the ledger, holding both formats, verifies and replays
// to the same events.
func TestEntryV2(t *testing.T) {
	for _, dialect := range []string{dbx.SQLite, dbx.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			l := e.open(func(o *Options) { o.EntryFormat = 1 })
			seed(t, l, 1)
			mustSubmit(t, l, productTx("mill-0", "p-0"))
			_ = l.Close()

			l = e.open()
			if l.v2From != 4 {
				t.Fatalf("switch recorded at %d, want 4", l.v2From)
			}
			secret := strings.Repeat("ab", 32)
			r := mustSubmit(t, l, ledger.Tx{Type: "CommissionBatch", Org: "mill-0", User: "mill-0-op", Role: models.RoleOperator,
				Args: []byte(`{"code":"LOT-1","product_id":"p-0","quantity":"5","produced_on":"2026-03-01","documents":["` + secret + `"]}`)})
			ev, err := l.Evidence(ctx, r.Seq)
			if err != nil {
				t.Fatal(err)
			}
			en, err := DecodeEntry(ev.Entry)
			if err != nil {
				t.Fatal(err)
			}
			if en.Tx.Format != FormatV2 || en.Tx.ContractVersion != contract.Latest {
				t.Errorf("entry format %d, contract version %d; want 2 and %d", en.Tx.Format, en.Tx.ContractVersion, contract.Latest)
			}
			if bytes.Contains(ev.Entry, []byte(secret)) || !bytes.Contains(ev.Entry, []byte(commitPrefix)) {
				t.Errorf("the v2 entry shows the private document hash or lacks its commitment: %q", en.Tx.Args)
			}
			if !bytes.Contains(ev.Entry, []byte("LOT-1")) {
				t.Error("the public batch code is missing from the entry")
			}
			if len(ev.Entry) > MaxEntry {
				t.Errorf("entry of %d bytes", len(ev.Entry))
			}
			var got ledger.Event
			err = l.Events(ctx, r.Seq-1, func(e ledger.Event) error { got = e; return errStop })
			if !errors.Is(err, errStop) || !bytes.Contains(got.Args, []byte(secret)) || len(got.Writes) == 0 {
				t.Fatalf("the event of the v2 entry: %+v (%v); want the full arguments and the writes", got, err)
			}
			// The writes digest is salted: the writes alone (a guess at the
			// private values in them) do not give it.
			ws := make([]contract.Write, len(got.Writes))
			for i, w := range got.Writes {
				ws[i] = contract.Write{Key: w.Key, Value: w.Value}
			}
			if plain := sha256.Sum256(EncodeWrites(ws)); plain == en.WritesDigest || WritesDigestOf([16]byte{}, EncodeWrites(ws)) == en.WritesDigest {
				t.Error("the writes digest is the writes' unsalted hash")
			}
			if err := VerifyEvent(ev, got, l.VerifierKey()); err != nil {
				t.Errorf("VerifyEvent: %v", err)
			}
			rep, err := l.Verify(ctx, VerifyOptions{})
			if err != nil || rep.Entries != r.Seq {
				t.Fatalf("verify a ledger of v1 and v2 entries: %+v, %v", rep, err)
			}
			// A reopened ledger keeps writing v2, even when asked for v1.
			_ = l.Close()
			l = e.open(func(o *Options) { o.EntryFormat = 1 })
			r2 := mustSubmit(t, l, productTx("mill-0", "p-1"))
			if ev, _ := l.Evidence(ctx, r2.Seq); !bytes.HasPrefix(ev.Entry, []byte("PLBE\x02")) {
				t.Error("a switched ledger wrote a v1 entry")
			}
		})
	}
}

// TestCommitments: opening restores exactly the committed fields; a value
// that looks like a commitment is refused at submission; each tampering
// with an opening is refused.
func TestCommitments(t *testing.T) {
	args := []byte(`{"lines":[{"batch":"A","quantity":"1","reason":"wet"},{"batch":"B","quantity":"2","reason":"torn"}],"shipment":"S-1"}`)
	committed, os, err := commitArgs("ReceiveShipment", args)
	if err != nil {
		t.Fatal(err)
	}
	if len(os) != 3 || bytes.Contains(committed, []byte("wet")) || bytes.Contains(committed, []byte("S-1")) || !bytes.Contains(committed, []byte(`"batch":"B"`)) {
		t.Fatalf("committed %s with %d openings", committed, len(os))
	}
	opened, err := openArgs(committed, os)
	if err != nil || string(opened) != string(marshalSorted(must(decodeJSON(args)))) {
		t.Fatalf("opened %s, %v", opened, err)
	}
	salt := [16]byte{1, 2, 3}
	round, err := DecodeOpenings(EncodeOpenings(Openings{WritesSalt: salt, Fields: os}))
	if err != nil || round.WritesSalt != salt || len(round.Fields) != 3 || round.Fields[1].Pointer != os[1].Pointer || string(round.Fields[2].Value) != string(os[2].Value) {
		t.Fatalf("openings round trip: %+v %v", round, err)
	}
	for name, f := range map[string]func([]Opening) []Opening{
		"value changed":   func(o []Opening) []Opening { o[0].Value = []byte(`"dry"`); return o },
		"salt changed":    func(o []Opening) []Opening { o[1].Salt[0] ^= 1; return o },
		"pointer swapped": func(o []Opening) []Opening { o[0].Pointer, o[1].Pointer = o[1].Pointer, o[0].Pointer; return o },
		"one missing":     func(o []Opening) []Opening { return o[1:] },
		"one repeated":    func(o []Opening) []Opening { return append(o, o[0]) },
		"none":            func(o []Opening) []Opening { return nil },
	} {
		c := append([]Opening(nil), os...)
		if _, err := openArgs(committed, f(c)); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
	whole, wos, err := commitArgs("CreatePurchaseOrder", []byte(`{"id":"PO-1","price":"9.50"}`))
	if err != nil || len(wos) != 1 || bytes.Contains(whole, []byte("PO-1")) {
		t.Fatalf("a whole-entry commitment: %s %d %v", whole, len(wos), err)
	}
	if _, _, err := commitArgs("RecordUsage", []byte(fmt.Sprintf(`{"batch":"%s:x","location":"x"}`, commitPrefix))); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("a value that looks like a commitment: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestRecoverV2Openings: recovering v2 entries brings back their writes and
// the openings of their private fields, and a copy whose opening was
// edited is refused before anything is copied.
func TestRecoverV2Openings(t *testing.T) {
	ctx := context.Background()
	src := newEnv(t, dbx.SQLite)
	l := src.open()
	seed(t, l, 1)
	mustSubmit(t, l, productTx("mill-0", "p-0"))
	_ = l.Close()
	backup := clone(t, src, dbx.SQLite)
	l = src.open()
	for i := range 3 {
		mustSubmit(t, l, ledger.Tx{Type: "CommissionBatch", Org: "mill-0", User: "mill-0-op", Role: models.RoleOperator,
			Args: []byte(fmt.Sprintf(`{"code":"LOT-%d","product_id":"p-0","quantity":"5","produced_on":"2026-03-01","documents":["%064x"]}`, i, i+1))})
	}
	_ = l.Close()

	damaged := clone(t, src, dbx.SQLite)
	var b []byte
	if err := damaged.db.Raw(`SELECT data FROM ledger_openings WHERE seq = 4`).Row().Scan(&b); err != nil {
		t.Fatal(err)
	}
	b[len(b)-2] ^= 1
	if err := damaged.db.Exec(`UPDATE ledger_openings SET data = ? WHERE seq = 4`, b).Error; err != nil {
		t.Fatal(err)
	}
	local := clone(t, backup, dbx.SQLite)
	before := dump(t, local)
	if _, err := Recover(ctx, RecoverOptions{DB: local.db, KeyDir: local.keyDir, From: damaged.db}); !errors.Is(err, models.ErrTampered) || !strings.Contains(err.Error(), "ledger_openings") {
		t.Fatalf("recover from a copy with an edited opening: %v", err)
	}
	if dump(t, local) != before {
		t.Fatal("a refused recovery changed the ledger")
	}
	rep, err := Recover(ctx, RecoverOptions{DB: local.db, KeyDir: local.keyDir, From: src.db})
	if err != nil || rep.From != 4 || rep.To != 6 {
		t.Fatalf("recover: %+v, %v", rep, err)
	}
	for _, table := range []string{"ledger_writes", "ledger_openings", "ledger_meta"} {
		if dump(t, local, table) != dump(t, src, table) {
			t.Errorf("%s differs from the copy's after recovery", table)
		}
	}
}

// TestEntrySizeCap: an entry bundle length-prefixes each entry with 16
// bits, so a transaction whose entry would not fit is refused with a
// clear error and commits nothing. The contract's own limits allow a split
// into 200 outputs with 200-character origins, about 75 KB: the cap
// refuses it, and one into 150 outputs fits.
func TestEntrySizeCap(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t, dbx.SQLite).open()
	seed(t, l, 1)
	split := func(outputs int) ledger.Tx {
		outs := make([]string, outputs)
		for i := range outs {
			outs[i] = fmt.Sprintf(`{"code":"OUT-%03d","product_id":"p-0","quantity":"1","produced_on":"2026-03-01","origin":%q,"lot_number":%q}`,
				i, strings.Repeat("o", 200), strings.Repeat("l", 64))
		}
		args := `{"kind":"split","inputs":[{"code":"IN-1","quantity":"` + fmt.Sprint(outputs) + `"}],"outputs":[` + strings.Join(outs, ",") + `]}`
		return ledger.Tx{Type: "TransformBatches", Org: "mill-0", User: "mill-0-op", Role: models.RoleOperator, Args: []byte(args)}
	}
	head, _ := l.Head(ctx)
	_, err := l.Submit(ctx, split(200))
	if !errors.Is(err, models.ErrInvalid) || !strings.Contains(err.Error(), "an entry holds at most") {
		t.Fatalf("a transaction too large for an entry: %v", err)
	}
	if h, _ := l.Head(ctx); h != head {
		t.Fatal("the refused transaction committed")
	}
	// One of 150 outputs fits the cap (the contract then refuses it for
	// its unknown input, as it would any other).
	if _, err := l.Submit(ctx, split(150)); err == nil || strings.Contains(err.Error(), "an entry holds") {
		t.Fatalf("a transaction under the cap: %v, want the contract's refusal", err)
	}
}

// TestCheckCommitted: verify holds a v2 entry to the contract's
// declaration: the private fields committed, nothing else, all of a
// transaction private as a whole.
func TestCheckCommitted(t *testing.T) {
	usage := []byte(`{"batch":"B-1","element":"column","floor":"12","location":"tower-a","quantity":"1"}`)
	if err := checkCommitted("RecordUsage", usage, nil); err == nil {
		t.Error("a usage whose location is in the clear passed")
	}
	if err := checkCommitted("RecordUsage", usage, []Opening{{Pointer: "/location"}}); err != nil {
		t.Errorf("a usage with its location committed: %v", err)
	}
	if err := checkCommitted("RecordUsage", usage, []Opening{{Pointer: "/location"}, {Pointer: "/batch"}}); err == nil {
		t.Error("a usage hiding its public batch passed")
	}
	po := []byte(`{"id":"PO-1"}`)
	if err := checkCommitted("CreatePurchaseOrder", po, []Opening{{Pointer: "/id"}}); err == nil {
		t.Error("a purchase order committed field by field passed")
	}
	if err := checkCommitted("CreatePurchaseOrder", po, []Opening{{Pointer: ""}}); err != nil {
		t.Errorf("a purchase order committed whole: %v", err)
	}
}

// TestRecoverAcrossTheUpgrade: a backup taken before the ledger switched
// to v2 entries, opened by the new code after a restore (which plans its
// switch but records nothing until it writes a v2 entry), takes back the
// entries of the copy that switched later.
func TestRecoverAcrossTheUpgrade(t *testing.T) {
	ctx := context.Background()
	src := newEnv(t, dbx.SQLite)
	l := src.open(func(o *Options) { o.EntryFormat = 1 })
	seed(t, l, 4) // entries 1..5, v1
	backup := clone(t, src, dbx.SQLite)
	for i := range 3 {
		mustSubmit(t, l, productTx("mill-0", fmt.Sprintf("p-v1-%d", i))) // 6..8, v1
	}
	_ = l.Close()
	l = src.open() // the upgrade: v2 from 9
	for i := range 3 {
		mustSubmit(t, l, productTx("mill-0", fmt.Sprintf("p-v2-%d", i)))
	}
	_ = l.Close()
	backup.open().Close() // the new code starts on the restored backup
	rep, err := Recover(ctx, RecoverOptions{DB: backup.db, KeyDir: backup.keyDir, From: src.db})
	if err != nil || rep.From != 6 || rep.To != 11 {
		t.Fatalf("recovering across the upgrade: %+v, %v", rep, err)
	}
	if got, want := dump(t, backup, "ledger_meta"), dump(t, src, "ledger_meta"); got != want {
		t.Errorf("ledger_meta after recovery:\n%s\nwant\n%s", got, want)
	}
}

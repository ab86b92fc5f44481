package embedded

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"filippo.io/torchwood"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// mirrorServer publishes l as a Plumbline server does (checkpoint, hash
// tiles, entry bundles, the proof API with certificates and openings),
// passing every answer through tamper.
func mirrorServer(t *testing.T, l *Ledger, tamper func(path string, body []byte) []byte) *httptest.Server {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var body []byte
		err := func() error {
			switch p := r.URL.Path; {
			case p == "/ledger/checkpoint":
				cp, err := l.Checkpoint(ctx)
				body = []byte(cp.Note)
				return err
			case strings.HasPrefix(p, "/ledger/tile/"):
				tile, err := torchwood.ParseTilePath(strings.TrimPrefix(p, "/ledger/"))
				if err != nil {
					return models.NotFound("tile", "%v", err)
				}
				if tile.L >= 0 {
					body, err = l.HashTile(ctx, tile.L, tile.N, tile.W)
					return err
				}
				entries, err := l.Entries(ctx, tile.N, tile.W)
				for _, e := range entries {
					body, _ = torchwood.AppendTileEntry(body, e)
				}
				return err
			case strings.HasPrefix(p, "/api/v1/ledger/entries/") && strings.HasSuffix(p, "/proof"):
				seq, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(p, "/api/v1/ledger/entries/"), "/proof"), 10, 64)
				ev, err := l.Evidence(ctx, seq)
				if err != nil {
					return err
				}
				cert, err := l.EntryCertificate(ctx, ev)
				if err != nil {
					return err
				}
				if ev.Openings, err = l.Openings(ctx, seq); err != nil {
					return err
				}
				body, err = json.Marshal(struct {
					ledger.Evidence
					OrgCertificate []byte `json:"org_certificate"`
				}{ev, cert.Raw})
				return err
			}
			return models.NotFound("path", "no %s", r.URL.Path)
		}()
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		if tamper != nil {
			body = tamper(r.URL.Path, body)
		}
		_, _ = w.Write(body)
	})
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// mirrorFixture is the recover fixture's log with a purchase order (a v2
// entry whose arguments are one commitment) at 27: the mirror has 27
// entries, the backup 10.
func mirrorFixture(t *testing.T) *recoverFixture {
	t.Helper()
	f := newRecoverFixture(t, dbx.SQLite)
	l := f.src.open()
	mustSubmit(t, l, orgTx("bureau", "builder", models.KindContractor))
	po, _ := json.Marshal(map[string]any{"id": "PO-1", "supplier": "mill-0", "lines": []any{map[string]any{"line": 1, "product_id": "p-0", "quantity": "5"}}})
	mustSubmit(t, l, ledger.Tx{Type: "CreatePurchaseOrder", Args: po, Org: "builder", User: "builder-buyer", Role: models.RoleOperator})
	if b, err := l.Openings(context.Background(), 27); err != nil || b == nil {
		t.Fatalf("the purchase order's openings: %v %v", b, err)
	}
	return f
}

// TestRecoverFromMirror: a ledger restored from a backup of 10 entries
// gets 11..27 back from a server publishing the log (in pages of any
// size), with the mirror's writes, openings, state, idempotency keys,
// certificates and checkpoint, and goes on; a mirror that tampers with an
// entry bundle, a hash tile, a certificate or an opening, or has another
// history, is refused and nothing is recovered.
func TestRecoverFromMirror(t *testing.T) {
	ctx := context.Background()
	f := mirrorFixture(t)
	src := f.src.open()
	honest := mirrorServer(t, src, nil)
	recoverInto := func(t *testing.T, local *env, url string) (RecoverReport, error) {
		return RecoverFromMirror(ctx, MirrorOptions{DB: local.db, KeyDir: local.keyDir, URL: url, HTTPClient: honest.Client()})
	}
	for _, page := range []int{0, 4} {
		t.Run(fmt.Sprintf("pages of %d", page), func(t *testing.T) {
			if page > 0 {
				defer func(p int) { recoverPage = p }(recoverPage)
				recoverPage = page
			}
			local := clone(t, f.backup, dbx.SQLite)
			rep, err := recoverInto(t, local, honest.URL)
			if err != nil {
				t.Fatalf("RecoverFromMirror: %v", err)
			}
			if rep.From != 11 || rep.To != 27 || rep.Checkpoints != 1 || rep.Certificates != 10 || rep.IdemKeys != 15 || rep.Verify.Entries != 27 {
				t.Fatalf("report %+v; want entries 11..27, 1 checkpoint, 10 certificates, 15 idempotency keys, 27 verified", rep)
			}
			for _, table := range []string{"ledger_entries", "ledger_hashes", "ledger_state", "ledger_idempotency", "ledger_certs", "ledger_meta", "ledger_writes", "ledger_openings"} {
				if got, want := dump(t, local, table), dump(t, f.src, table); got != want {
					t.Errorf("%s after recovery differs from the mirror's:\n%s\nwant\n%s", table, got, want)
				}
			}
			rows := tableRows(t, local.db, "ledger_checkpoints")
			if last, want := rows[len(rows)-1], tableRows(t, f.src.db, "ledger_checkpoints"); fmt.Sprint(last) != fmt.Sprint(want[len(want)-1]) {
				t.Errorf("the recovered checkpoint %v, want the mirror's %v", last, want[len(want)-1])
			}
			l := local.open()
			again, err := l.Submit(ctx, f.keyed)
			if err != nil || !again.Replayed || again.Seq != f.first.Seq {
				t.Fatalf("resubmitting a recovered idempotency key: %+v, %v", again, err)
			}
			if r := mustSubmit(t, l, productTx("mill-1", "p-next")); r.Seq != 28 {
				t.Fatalf("the next entry is %d, want 28", r.Seq)
			}
			if vr, err := l.Verify(ctx, VerifyOptions{}); err != nil || vr.Entries != 28 {
				t.Fatalf("Verify after recovery and a new entry: %+v, %v", vr, err)
			}
		})
	}

	flip := func(match string, at func(body []byte) int) func(string, []byte) []byte {
		return func(path string, body []byte) []byte {
			if strings.Contains(path, match) && len(body) > 0 {
				body = bytes.Clone(body)
				body[at(body)] ^= 1
			}
			return body
		}
	}
	last := func(body []byte) int { return len(body) - 1 }
	// The proof API's openings of the purchase order, one byte changed
	// inside the opened value.
	badOpening := func(path string, body []byte) []byte {
		if !strings.HasSuffix(path, "/27/proof") {
			return body
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		o, _ := m["openings"].(string)
		b := []byte(o)
		b[len(b)-3] ^= 1
		m["openings"] = string(b)
		out, _ := json.Marshal(m)
		return out
	}
	// The proof API gives another organization's certificate.
	var bureauCert []byte
	otherCert := func(path string, body []byte) []byte {
		if !strings.Contains(path, "/proof") {
			return body
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		if strings.HasSuffix(path, "/1/proof") {
			bureauCert, _ = json.Marshal(m["org_certificate"])
			return body
		}
		var c any
		_ = json.Unmarshal(bureauCert, &c)
		m["org_certificate"] = c
		out, _ := json.Marshal(m)
		return out
	}
	forked := clone(t, f.backup, dbx.SQLite)
	{
		l := forked.open()
		mustSubmit(t, l, productTx("mill-0", "p-fork"))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		local  *env
		tamper func(string, []byte) []byte
		is     error
		says   string
	}{
		{"an entry bundle", nil, flip("/tile/entries/", last), models.ErrTampered, "hash mismatch"},
		{"a hash tile", nil, flip("/tile/0/", last), nil, "hash tiles"},
		{"an opening", nil, badOpening, nil, "at entry 27 (ledger_openings)"},
		{"a certificate", nil, otherCert, nil, "certificate"},
		{"another history", forked, nil, ErrForked, "does not extend this ledger"},
		{"nothing new", clone(t, f.src, dbx.SQLite), nil, ErrNothingToRecover, "already has 27"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			local := tc.local
			if local == nil {
				local = clone(t, f.backup, dbx.SQLite)
			}
			before := dump(t, local)
			s := honest
			if tc.tamper != nil {
				s = mirrorServer(t, src, tc.tamper)
				if strings.Contains(tc.name, "certificate") {
					_, _ = http.Get(s.URL + "/api/v1/ledger/entries/1/proof")
				}
			}
			_, err := RecoverFromMirror(ctx, MirrorOptions{DB: local.db, KeyDir: local.keyDir, URL: s.URL, HTTPClient: s.Client()})
			t.Logf("%v", err)
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("RecoverFromMirror: %v; want an error wrapping %v saying %q", err, tc.is, tc.says)
			}
			if after := dump(t, local); after != before {
				t.Errorf("the refused recovery changed the ledger")
			}
		})
	}
}

// TestRecoverFromMirrorAcrossTheSwitchToV2: a backup of a ledger that
// still wrote v1 entries gets back from a mirror the v1 entries it lost
// (their writes replayed and compared with the entries') and the v2
// entries the mirror wrote after it switched, with the height of the
// switch (ledger_meta entry_v2_from).
func TestRecoverFromMirrorAcrossTheSwitchToV2(t *testing.T) {
	ctx := context.Background()
	src := newEnv(t, dbx.SQLite)
	l := src.open(func(o *Options) { o.EntryFormat = 1 })
	seed(t, l, 3) // entries 1..4
	backup := clone(t, src, dbx.SQLite)
	for i := range 3 { // v1: 5..7
		mustSubmit(t, l, productTx("mill-0", fmt.Sprintf("p-%d", i)))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = src.open() // switches to v2 from entry 8
	for i := 3; i < 6; i++ {
		mustSubmit(t, l, productTx("mill-1", fmt.Sprintf("p-%d", i)))
	}
	if l.CommittedFrom() != 8 {
		t.Fatalf("the mirror switched to v2 at %d, want 8", l.CommittedFrom())
	}
	s := mirrorServer(t, l, nil)
	// The backup as restored, and as a server opened it after the restore
	// (planning its switch to v2 at its next entry, 5, but writing none:
	// nothing is recorded until a v2 entry is).
	opened := clone(t, backup, dbx.SQLite)
	opened.open().Close()
	if v, err := readV2From(ctx, mustSQL(t, opened), dialect{name: dbx.SQLite}); err != nil || v != 0 {
		t.Fatalf("the opened backup records its switch at %d (%v), want none yet", v, err)
	}
	for _, local := range []*env{backup, opened} {
		rep, err := RecoverFromMirror(ctx, MirrorOptions{DB: local.db, KeyDir: local.keyDir, URL: s.URL, HTTPClient: s.Client()})
		if err != nil || rep.From != 5 || rep.To != 10 || rep.Verify.Entries != 10 {
			t.Fatalf("RecoverFromMirror: %+v, %v; want entries 5..10", rep, err)
		}
		for _, table := range []string{"ledger_entries", "ledger_hashes", "ledger_state", "ledger_meta", "ledger_writes"} {
			if got, want := dump(t, local, table), dump(t, src, table); got != want {
				t.Errorf("%s after recovery differs from the mirror's:\n%s\nwant\n%s", table, got, want)
			}
		}
	}
}

func mustSQL(t *testing.T, e *env) *sql.DB {
	t.Helper()
	db, err := e.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestRecoverFromMirrorMovedOrigin: the mirror's log moved to a new
// origin after the backup; its checkpoint, signed with the same key under
// the new name, is this log's, and the recovered ledger (a backup, or an
// empty database given the key folder) signs under the new origin.
func TestRecoverFromMirrorMovedOrigin(t *testing.T) {
	ctx := context.Background()
	src := newEnv(t, dbx.SQLite)
	l := src.open()
	seed(t, l, 9)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	backup := clone(t, src, dbx.SQLite)
	l = src.open(func(o *Options) { o.Origin, o.ChangeOrigin = "moved.example.com/ledger", true })
	for i := range 5 {
		mustSubmit(t, l, productTx("mill-1", fmt.Sprintf("p-%d", i)))
	}
	s := mirrorServer(t, l, nil)
	moved := []string{"plumbline/local", "moved.example.com/ledger"}
	empty := &env{t: t, url: "sqlite://" + t.TempDir() + "/empty.db", keyDir: src.keyDir, clock: src.clock}
	db, err := dbx.Open(empty.url)
	if err != nil {
		t.Fatal(err)
	}
	empty.db = db
	t.Cleanup(func() { _ = dbx.Close(db) })
	for _, tc := range []struct {
		name    string
		local   *env
		from    uint64
		origins []string
	}{
		{"a backup from before the move", backup, 11, moved},
		// The mirror publishes only its current origin.
		{"an empty database", empty, 1, moved[1:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := RecoverFromMirror(ctx, MirrorOptions{DB: tc.local.db, KeyDir: tc.local.keyDir, URL: s.URL, HTTPClient: s.Client()})
			if err != nil || rep.From != tc.from || rep.To != 15 || !slices.Equal(rep.Origins, tc.origins) || rep.Verify.Entries != 15 {
				t.Fatalf("RecoverFromMirror: %+v, %v; want entries %d..15 and origins %q", rep, err, tc.from, tc.origins)
			}
			l := tc.local.open()
			if l.Origin() != "moved.example.com/ledger" {
				t.Errorf("the recovered ledger signs as %q, want the mirror's current origin", l.Origin())
			}
			if r := mustSubmit(t, l, productTx("mill-2", "p-next")); r.Seq != 16 {
				t.Fatalf("the next entry is %d, want 16", r.Seq)
			}
			if _, err := l.Verify(ctx, VerifyOptions{}); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

// TestRecoverFromMirrorToken: a mirror that gives entry bundles only to
// an auditor (as a server does for bundles holding private v1 entries)
// is refused without the token, saying why and what to pass, and read
// with it: the token goes with every request to the mirror.
func TestRecoverFromMirrorToken(t *testing.T) {
	ctx := context.Background()
	f := newRecoverFixture(t, dbx.SQLite)
	inner := mirrorServer(t, f.src.open(), nil)
	var sawToken atomic.Bool
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization") == "Bearer auditor-token"
		if strings.Contains(r.URL.Path, "/tile/entries/") && !auth {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error":{"code":"forbidden","message":"entry 12 is private; bundles holding it are given to auditors only"}}`))
			return
		}
		if auth {
			sawToken.Store(true)
		}
		resp, err := inner.Client().Get(inner.URL + r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		_, _ = w.Write(b.Bytes())
	}))
	t.Cleanup(s.Close)
	local := clone(t, f.backup, dbx.SQLite)
	before := dump(t, local)
	_, err := RecoverFromMirror(ctx, MirrorOptions{DB: local.db, KeyDir: local.keyDir, URL: s.URL})
	if err == nil || !strings.Contains(err.Error(), "auditors only") || !strings.Contains(err.Error(), "--token") {
		t.Fatalf("without the token: %v; want a refusal naming the mirror's reason and --token", err)
	}
	if dump(t, local) != before {
		t.Fatal("the refused recovery changed the ledger")
	}
	rep, err := RecoverFromMirror(ctx, MirrorOptions{DB: local.db, KeyDir: local.keyDir, URL: s.URL + "/", Token: "auditor-token"})
	if err != nil || rep.To != 25 || !sawToken.Load() {
		t.Fatalf("with the token: %+v, %v (token seen: %v)", rep, err, sawToken.Load())
	}
}

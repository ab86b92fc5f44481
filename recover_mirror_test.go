package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/demo"
)

// TestLedgerRecoverFromMirror: the demo server takes three batches and a
// purchase order (whose entry holds its fields only as commitments), then
// its older backup is restored while a second server, on a copy of the
// newer database with the same keys, publishes the log. plumbline ledger
// recover --from that server refuses both flags at once, another log and
// a run without a token (naming the entry whose private fields it cannot
// open), then with an authority's token brings the four entries back from
// the tiles, entry bundles and proofs; verify passes at the larger size
// and the ledger tables equal the mirror's.
func TestLedgerRecoverFromMirror(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server twice")
	}
	ctx := context.Background()
	env := testEnv(t)
	if code, out, errs := cli(t, ctx, env, "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	live := strings.TrimPrefix(env["PLUMBLINE_DB"], "sqlite://")
	dir := t.TempDir()
	backup, mirrorDB := filepath.Join(dir, "backup.db"), filepath.Join(dir, "mirror.db")
	copyDB(t, live, backup)
	old := ledgerSize(t, env["PLUMBLINE_DB"])

	env["PLUMBLINE_ADDR"] = freePort(t)
	base := "http://" + env["PLUMBLINE_ADDR"]
	child := startChild(t, env, "serve --demo", base)
	waitProjected(t, base)
	tok := apiToken(t, base, "fuchun-cement.operator")
	for i := range 3 {
		if code, body := commission(t, base, tok, fmt.Sprintf("MIRROR-%d", i)); code != http.StatusCreated {
			t.Fatalf("commission: %d %s", code, body)
		}
	}
	po := map[string]any{"id": "PO-MIRROR-1", "supplier": demo.OrgSteel, "site": "tower-a",
		"lines": []any{map[string]any{"line": 1, "product_id": demo.ProdRebarCoil, "quantity": "10"}}}
	if code, body := postJSON(t, base+"/api/v1/purchase-orders", apiToken(t, base, "zhongjian-no8.operator"), po); code != http.StatusCreated {
		t.Fatalf("purchase order: %d %s", code, body)
	}
	stop(t, child)
	head := ledgerSize(t, env["PLUMBLINE_DB"])
	if head != old+4 {
		t.Fatalf("the server wrote %d entries, want 4", head-old)
	}

	// The mirror: another server on a copy of the newer database, sharing
	// the key folder.
	copyDB(t, live, mirrorDB)
	menv := map[string]string{}
	for k, v := range env {
		menv[k] = v
	}
	menv["PLUMBLINE_DB"], menv["PLUMBLINE_ADDR"] = "sqlite://"+mirrorDB, freePort(t)
	mbase := "http://" + menv["PLUMBLINE_ADDR"]
	mchild := startChild(t, menv, "serve --demo", mbase)
	waitProjected(t, mbase)
	authority := apiToken(t, mbase, "hz-construction-bureau.viewer")

	copyDB(t, backup, live) // the restore
	delete(env, "PLUMBLINE_ADDR")

	foreign := testEnv(t)
	if code, out, errs := cli(t, ctx, foreign, "demo"); code != 0 {
		t.Fatalf("demo of another ledger: exit %d\n%s\n%s", code, out, errs)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		says []string
	}{
		{"both sources", env, []string{"--from", mbase, "--from-db", "sqlite://" + mirrorDB}, 2, []string{"not both"}},
		{"a token without --from", env, []string{"--from-db", "sqlite://" + mirrorDB, "--token", authority}, 2, []string{"--token goes with --from"}},
		{"another log", foreign, []string{"--from", mbase, "--token", authority}, 1, []string{"refused", "not a copy of this log"}},
		{"no token", env, []string{"--from", mbase}, 1, []string{fmt.Sprintf("entry %d (CreatePurchaseOrder by %s)", head, demo.OrgContractor), "--token", "nothing was recovered"}},
		{"the mirror", env, []string{"--from", mbase, "--token", authority}, 0, []string{
			fmt.Sprintf("recovered entries %d..%d from %s", old+1, head, mbase),
			fmt.Sprintf("verify: ok: %d entries", head),
			fmt.Sprintf("read model up to date at entry %d", head),
		}},
		{"the mirror again", env, []string{"--from", mbase, "--token", authority}, 1, []string{"nothing to recover"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, ctx, tc.env, append([]string{"ledger", "recover"}, tc.args...)...)
			t.Logf("exit %d\n%s%s", code, out, errs)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, out, errs)
			}
			for _, s := range tc.says {
				if !strings.Contains(out+errs, s) {
					t.Errorf("output does not say %q:\n%s\n%s", s, out, errs)
				}
			}
		})
	}
	code, out, errs := cli(t, ctx, env, "verify")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("at size %d", head)) {
		t.Fatalf("verify after recovery: exit %d, want 0 at size %d\n%s\n%s", code, head, out, errs)
	}
	stop(t, mchild)
	for _, q := range []string{
		`SELECT seq, tx_id, data FROM ledger_entries ORDER BY seq`,
		`SELECT id, hash FROM ledger_hashes ORDER BY id`,
		`SELECT seq, data FROM ledger_writes ORDER BY seq`,
		`SELECT seq, data FROM ledger_openings ORDER BY seq`,
		`SELECT state_key, value, seq FROM ledger_state ORDER BY state_key`,
		`SELECT org, idem_key, seq FROM ledger_idempotency ORDER BY org, idem_key`,
		`SELECT fingerprint, org, der FROM ledger_certs ORDER BY fingerprint`,
		fmt.Sprintf(`SELECT size, root, time_ns, note FROM ledger_checkpoints WHERE size = %d`, head),
		`SELECT name, value FROM ledger_meta ORDER BY name`,
	} {
		ours, theirs := dump(t, env["PLUMBLINE_DB"], q), dump(t, menv["PLUMBLINE_DB"], q)
		if ours != theirs || ours == "" {
			t.Errorf("%s: the recovered ledger differs from the mirror's (%d and %d bytes)", q, len(ours), len(theirs))
		}
	}
}

// ledgerSize returns the number of entries in a ledger database.
func ledgerSize(t *testing.T, dbURL string) uint64 {
	t.Helper()
	var n uint64
	if _, err := fmt.Sscan(dump(t, dbURL, `SELECT MAX(seq) FROM ledger_entries`), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// dump returns the rows of q in a database as text.
func dump(t *testing.T, dbURL, q string) string {
	t.Helper()
	db, err := dbx.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer dbx.Close(db)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := sqlDB.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if s, ok := v.([]byte); ok {
				v = string(s)
			}
			fmt.Fprintf(&b, "%v\t", v)
		}
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// postJSON posts v to url with a Bearer token.
func postJSON(t *testing.T, url, tok string, v any) (int, string) {
	t.Helper()
	body, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

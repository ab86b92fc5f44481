package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// TestLedgerRecover: the demo ledger takes three more entries, then its
// older backup is restored; plumbline ledger recover refuses another log,
// an older copy and a missing file, from the copy taken before the
// restore brings the three entries back, after which verify passes at the
// larger size, and then refuses a copy that took other entries after the
// backup.
func TestLedgerRecover(t *testing.T) {
	ctx := context.Background()
	envm := testEnv(t)
	if code, out, errs := cli(t, ctx, envm, "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	live := strings.TrimPrefix(envm["PLUMBLINE_DB"], "sqlite://")
	dir := t.TempDir()
	backup, newer := filepath.Join(dir, "backup.db"), filepath.Join(dir, "newer.db")
	copyDB(t, live, backup)

	// Three more entries, as the server would write them.
	old := submitOrgs(t, envm, "late-mill", 3)
	head := old + 3
	copyDB(t, live, newer)
	copyDB(t, backup, live) // the restore
	// A copy that took five other entries after the backup.
	forked := filepath.Join(dir, "forked.db")
	copyDB(t, backup, forked)
	forkEnv := map[string]string{}
	for k, v := range envm {
		forkEnv[k] = v
	}
	forkEnv["PLUMBLINE_DB"] = "sqlite://" + forked
	submitOrgs(t, forkEnv, "other-mill", 5)

	foreign := testEnv(t)
	if code, out, errs := cli(t, ctx, foreign, "demo"); code != 0 {
		t.Fatalf("demo of another ledger: exit %d\n%s\n%s", code, out, errs)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		says []string
	}{
		{"no copy named", nil, 2, []string{"--from-db URL"}},
		{"a missing file", []string{"--from-db", "sqlite://" + filepath.Join(dir, "missing.db")}, 1, []string{"missing.db", "no such file"}},
		{"another log", []string{"--from-db", foreign["PLUMBLINE_DB"]}, 1, []string{"refused", "not a copy of this log"}},
		{"an older copy", []string{"--from-db", "sqlite://" + backup}, 1, []string{"nothing to recover", fmt.Sprintf("has %d entries and this ledger already has %d", old, old)}},
		{"the copy from before the restore", []string{"--from-db", "sqlite://" + newer}, 0, []string{
			fmt.Sprintf("recovered entries %d..%d from sqlite://%s", old+1, head, newer),
			fmt.Sprintf("verify: ok: %d entries", head),
			fmt.Sprintf("read model up to date at entry %d", head),
		}},
		{"the same copy again", []string{"--from-db", "sqlite://" + newer}, 1, []string{"nothing to recover"}},
		{"a forked copy", []string{"--from-db", "sqlite://" + forked}, 1, []string{"refused", "another history", "forked", fmt.Sprintf("first %d entries", head)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, ctx, envm, append([]string{"ledger", "recover"}, tc.args...)...)
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
	code, out, errs := cli(t, ctx, envm, "verify")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("at size %d", head)) {
		t.Fatalf("verify after recovery: exit %d, want 0 at size %d\n%s\n%s", code, head, out, errs)
	}
}

// submitOrgs registers n organizations through the ledger of envm, as the
// server would, and returns the ledger's head before them.
func submitOrgs(t *testing.T, envm map[string]string, prefix string, n int) uint64 {
	t.Helper()
	ctx := context.Background()
	e := &env{getenv: func(k string) string { return envm[k] }, stdout: io.Discard, stderr: io.Discard}
	if err := e.parse("test", nil, nil); err != nil {
		t.Fatal(err)
	}
	a, err := e.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	head, err := a.ledger.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		args, _ := json.Marshal(map[string]any{"organization": models.Organization{ID: fmt.Sprintf("%s-%d", prefix, i), Name: "Mill " + prefix, Kind: models.KindManufacturer}})
		tx := ledger.Tx{Type: "RegisterOrganization", Args: args, Org: demo.OrgBureau, User: "bureau-admin", Role: models.RoleAdmin, IdempotencyKey: fmt.Sprint(prefix, i)}
		if _, err := a.ledger.Submit(ctx, tx); err != nil {
			t.Fatal(err)
		}
	}
	return head
}

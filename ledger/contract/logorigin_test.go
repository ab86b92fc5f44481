package contract

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

// testCheckpoint is a signed checkpoint note of old.example/ledger as it
// looks with a cosignature (the contract checks its form only).
const testCheckpoint = "old.example/ledger\n1489\nu8HQsa9u5QGw0b3T4fkCJcT/9l+X8P2z9R8JiJp6AJw=\n\n" +
	"\u2014 old.example/ledger AAAAAQ==\n\u2014 witness.example AAAAAg==\n"

// TestContinueLog: contract version 3 accepts the continuation of a log
// once per previous origin from an authority's admin, recording its
// witnessed size and root; earlier versions refuse it, as do other kinds
// and roles; a checkpoint that is not one of the previous origin is
// invalid.
func TestContinueLog(t *testing.T) {
	args := ContinueLogArgs{PreviousOrigin: "old.example/ledger", Checkpoint: testCheckpoint, Reason: "the disk failed and no copy was left"}
	run := func(f *fx, version int, org string, role models.Role, a ContinueLogArgs) ([]Write, error) {
		f.n++
		return Execute(f.st, Call{TxID: "txcl" + strings.Repeat("0", f.n), Type: "ContinueLog", Args: jsonOf(t, a), Org: org, User: org + "-user", Role: role, Time: t0, Version: version})
	}
	f := newFx(t)
	if _, err := run(f, V2, gov, models.RoleAdmin, args); !errors.Is(err, models.ErrInvalid) || !strings.Contains(err.Error(), "version 3") {
		t.Errorf("under V2: %v, want refused as a V3 transaction", err)
	}
	if _, err := run(f, V3, cemco, models.RoleAdmin, args); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("by a manufacturer: %v, want forbidden", err)
	}
	if _, err := run(f, V3, gov, models.RoleOperator, args); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("by an authority's operator: %v, want forbidden", err)
	}
	for name, bad := range map[string]string{
		"another origin":      strings.Replace(testCheckpoint, "old.example/ledger\n", "new.example/ledger\n", 1),
		"no signature":        "old.example/ledger\n1489\nu8HQsa9u5QGw0b3T4fkCJcT/9l+X8P2z9R8JiJp6AJw=\n",
		"a size not a number": strings.Replace(testCheckpoint, "1489", "14x9", 1),
		"a short root":        strings.Replace(testCheckpoint, "u8HQsa9u5QGw0b3T4fkCJcT/9l+X8P2z9R8JiJp6AJw=", "AAAA", 1),
	} {
		a := args
		a.Checkpoint = bad
		if _, err := run(f, V3, gov, models.RoleAdmin, a); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	w, err := run(f, V3, gov, models.RoleAdmin, args)
	if err != nil || len(w) != 1 || w[0].Key != PrefixLogOrigin+"old.example/ledger" || !strings.Contains(string(w[0].Value), `"size":1489`) {
		t.Fatalf("recording the continuation: %v %q", err, w)
	}
	if _, err := run(f, V3, gov, models.RoleAdmin, args); !errors.Is(err, models.ErrConflict) {
		t.Errorf("a second continuation of the same log: %v, want a conflict", err)
	}
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package witness_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/plumbline/plumbline/internal/witness"
)

// TestAddLog registers logs and keys: a log starts at size 0, several
// keys may sign for it, the same key twice counts once, and a key must be
// an Ed25519 verifier key named after the origin.
func TestAddLog(t *testing.T) {
	ctx := context.Background()
	st, err := witness.OpenStore(filepath.Join(t.TempDir(), "w", witness.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a1 := newTestLog(t, "example.com/log-a", 0).vkey
	a2 := newTestLog(t, "example.com/log-a", 0).vkey
	b := newTestLog(t, "example.com/log-b", 0).vkey
	skey, _, _ := note.GenerateKey(nil, "example.com/log-a")
	for _, tc := range []struct {
		name, origin, vkey string
		want               string // error text, or "" for a log now with keys n
		keys               int
	}{
		{"new log", "example.com/log-a", a1, "", 1},
		{"same key again", "example.com/log-a", a1, "", 1},
		{"second key", "example.com/log-a", a2, "", 2},
		{"another log", "example.com/log-b", b, "", 1},
		{"key named after another log", "example.com/log-a", b, `named "example.com/log-b"`, 0},
		{"not a key", "example.com/log-c", "example.com/log-c+nonsense", "verifier key", 0},
		{"empty origin", "", a1, "origin", 0},
		{"origin with a newline", "example.com/log-a\nx", a1, "origin", 0},
		{"a private key", "example.com/log-a", strings.TrimPrefix(skey, "PRIVATE+KEY+"), "verifier key", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := st.AddLog(ctx, tc.origin, tc.vkey)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("AddLog: %v; want an error with %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.Origin != tc.origin || l.Size != 0 || len(l.Keys) != tc.keys || !slices.Contains(l.Keys, tc.vkey) {
				t.Fatalf("log %+v; want %s at 0 with %d keys including %s", l, tc.origin, tc.keys, tc.vkey)
			}
		})
	}
	logs, err := st.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 2 || logs[0].Origin != "example.com/log-a" || len(logs[0].Keys) != 2 || logs[1].Origin != "example.com/log-b" {
		t.Fatalf("logs %+v; want log-a with 2 keys and log-b, nothing refused", logs)
	}
}

package witness_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/witness/witnesstest"
)

// TestInteropWithLitewitness sends the same add-checkpoint requests to
// this witness and to litewitness, the reference implementation
// (filippo.io/torchwood v0.6.1, built from the module cache), both
// knowing the same logs: they must answer with the same status codes,
// the same refusal bodies (the 409's known size included) and valid
// cosignatures, except for the divergences listed, which must still be
// what each one answers.
func TestInteropWithLitewitness(t *testing.T) {
	bin := witnesstest.BuildTools(t)
	a := newTestLog(t, "example.com/log-a", 16)
	b := newTestLog(t, "example.com/log-b", 4)

	lite, liteKey, liteDB := witnesstest.StartLitewitness(t, bin, "litewitness.example.com",
		witnesstest.Log{Origin: a.origin, Key: a.vkey}, witnesstest.Log{Origin: b.origin, Key: b.vkey})
	tw := startWitness(t, t.TempDir(), "plumbline.example.com")
	for _, l := range []*testLog{a, b} {
		if _, err := tw.store.AddLog(context.Background(), l.origin, l.vkey); err != nil {
			t.Fatal(err)
		}
	}
	ours := cosignatureVerifier(t, tw.key.VerifierKey())
	theirs := cosignatureVerifier(t, liteKey)

	for _, c := range scenario(t, a) {
		t.Run(c.name, func(t *testing.T) {
			got := runCase(t, tw.srv.URL, c, c.status, ours)
			want := runCase(t, lite, c, c.status, theirs)
			if c.status != http.StatusOK && got != want {
				t.Fatalf("body %q, litewitness %q", got, want)
			}
		})
	}
	for _, d := range divergences(t, a, b) {
		t.Run("divergence/"+d.name, func(t *testing.T) {
			t.Logf("plumbline %d, litewitness %d: %s", d.status, d.lite, d.reason)
			runCase(t, tw.srv.URL, d.addCase, d.status, ours)
			runCase(t, lite, d.addCase, d.lite, theirs)
		})
	}

	// Both recorded log a at the scenario's last checkpoint.
	out, err := exec.Command(filepath.Join(bin, "witnessctl"), "list-logs", "-db", liteDB).Output()
	if err != nil {
		t.Fatalf("witnessctl list-logs: %v", err)
	}
	var liteA struct {
		Origin string `json:"origin"`
		Size   int64  `json:"size"`
		Root   string `json:"root_hash"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(string(out), "\n", 2)[0]), &liteA); err != nil {
		t.Fatalf("witnessctl list-logs: %v in %q", err, out)
	}
	logs, err := tw.store.Logs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if liteA.Origin != a.origin || liteA.Size != 16 || liteA.Root != a.root(16).String() || logs[0].Size != 16 || logs[0].Root != a.root(16) {
		t.Fatalf("log a: litewitness %+v, plumbline %d %s; want both at 16 %s", liteA, logs[0].Size, logs[0].Root, a.root(16))
	}
}

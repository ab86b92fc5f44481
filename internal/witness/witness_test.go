package witness_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/witness"
)

// addCase is one add-checkpoint request and the answer it must get. The
// cases of a table run in order against one witness: the good ones move
// the log, and each refusal must leave it where it was.
type addCase struct {
	name    string
	body    string
	status  int
	body409 string // the known size line of a 409
	// signed is the checkpoint a 200 cosigns (also where only
	// litewitness answers 200).
	signed []byte
}

// scenario is the sequence of requests both witnesses get, here and in
// the interop test, over log a (16 records, and a fork of it), which both
// have registered at size 0.
func scenario(t *testing.T, a *testLog) []addCase {
	fork := a.fork(16)
	other := newTestLog(t, a.origin, 0) // another key with the log's name
	unknown := newTestLog(t, "example.com/unknown-log", 4)
	ok := func(name string, old int64, proof tlog.TreeProof, signed []byte) addCase {
		return addCase{name: name, body: addCheckpoint(old, proof, signed), status: http.StatusOK, signed: signed}
	}
	tampered := a.proof(8, 12)
	tampered[0][0] ^= 1
	cp12 := a.checkpoint(12, nil)
	return []addCase{
		ok("first checkpoint, from size 0", 0, nil, a.checkpoint(4, nil)),
		{name: "the first checkpoint again from size 0", body: addCheckpoint(0, nil, a.checkpoint(4, nil)), status: 409, body409: "4\n"},
		ok("extension with a consistency proof", 4, a.proof(4, 8), a.checkpoint(8, nil)),
		{name: "stale old size", body: addCheckpoint(4, a.proof(4, 10), a.checkpoint(10, nil)), status: 409, body409: "8\n"},
		{name: "smaller checkpoint", body: addCheckpoint(8, nil, a.checkpoint(6, nil)), status: 400},
		{name: "smaller checkpoint from its own size", body: addCheckpoint(6, nil, a.checkpoint(6, nil)), status: 409, body409: "8\n"},
		{name: "fork's checkpoint with the fork's proof", body: addCheckpoint(8, fork.proof(8, 12), fork.checkpoint(12, nil)), status: 422},
		{name: "tampered proof", body: addCheckpoint(8, tampered, cp12), status: 422},
		{name: "missing proof", body: addCheckpoint(8, nil, cp12), status: 422},
		{name: "proof between other sizes", body: addCheckpoint(8, a.proof(4, 12), cp12), status: 422},
		{name: "same size, different root", body: addCheckpoint(8, nil, fork.checkpoint(8, nil)), status: 422},
		ok("same size, same root", 8, nil, a.checkpoint(8, nil)),
		{name: "signed by another key named after the log", body: addCheckpoint(8, a.proof(8, 12), signText(t, checkpointText(a, 12), other.signer)), status: 403},
		{name: "unknown origin", body: addCheckpoint(0, nil, unknown.checkpoint(4, nil)), status: 403},
		{name: "no empty line", body: "old 8\n" + string(cp12), status: 400},
		{name: "no old line", body: addCheckpoint(8, a.proof(8, 12), cp12)[len("old 8\n"):], status: 400},
		{name: "old size not a number", body: strings.Replace(addCheckpoint(8, a.proof(8, 12), cp12), "old 8", "old eight", 1), status: 400},
		{name: "negative old size", body: addCheckpoint(-1, nil, cp12), status: 400},
		{name: "proof line not base64", body: strings.Replace(addCheckpoint(8, a.proof(8, 12), cp12), "\n", "\n!!not base64!!\n", 1), status: 400},
		{name: "proof line of 31 bytes", body: strings.Replace(addCheckpoint(8, a.proof(8, 12), cp12), "\n", "\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", 1), status: 400},
		{name: "unknown origin, malformed request", body: "old x\n\n" + string(unknown.checkpoint(4, nil)), status: 400},
		ok("extension after the refusals", 8, a.proof(8, 16), a.checkpoint(16, nil)),
	}
}

// checkpointText is a's checkpoint text at size n.
func checkpointText(a *testLog, n int64) string {
	return fmt.Sprintf("%s\n%d\n%s\n", a.origin, n, a.root(n))
}

// divergences are requests litewitness v0.6.1 answers otherwise than this
// witness: plumbline follows c2sp.org/tlog-witness where litewitness
// accepts what the spec forbids or answers a client's mistake with a 500.
// They run after the scenario, with log a at 16 and log b (4 records,
// registered, never cosigned) at 0; none moves log a.
type divergence struct {
	addCase
	lite   int // litewitness's status
	reason string
}

func divergences(t *testing.T, a, b *testLog) []divergence {
	cp16, cpB := a.checkpoint(16, nil), b.checkpoint(4, nil)
	unsigned := []byte(checkpointText(a, 16) + "\n") // a note with no signature lines
	notCheckpoint := signText(t, a.origin+"\nsixteen\n"+a.root(16).String()+"\n", a.signer)
	root := a.root(16).String()
	nonCanonical := signText(t, fmt.Sprintf("%s\n16\n%s\n", a.origin, flipPaddingBit(root)), a.signer)
	return []divergence{
		{addCase{name: "old size with a leading zero", body: strings.Replace(addCheckpoint(16, nil, cp16), "old 16", "old 016", 1), status: 400, signed: cp16},
			200, "the spec wants no leading zeroes; strconv.ParseInt takes 016 as 16"},
		{addCase{name: "old size with a plus sign", body: strings.Replace(addCheckpoint(16, nil, cp16), "old 16", "old +16", 1), status: 400, signed: cp16},
			200, "strconv.ParseInt takes +16 as 16"},
		{addCase{name: "proof from size 0", body: addCheckpoint(0, b.proof(2, 4), cpB), status: 400, signed: cpB},
			200, "the spec: the proof MUST be empty if the old size is zero; litewitness ignores it (and moves log b to 4)"},
		{addCase{name: "note without signatures", body: addCheckpoint(16, nil, unsigned), status: 400},
			500, "litewitness answers note.Open's malformed-note error with a 500"},
		{addCase{name: "signed text is not a checkpoint", body: addCheckpoint(16, nil, notCheckpoint), status: 400},
			500, "litewitness answers torchwood.ParseCheckpoint's error with a 500"},
		{addCase{name: "checkpoint root in non-canonical base64", body: addCheckpoint(16, nil, nonCanonical), status: 400},
			500, "the cosigner refuses a checkpoint that does not read back the same, and litewitness answers that with a 500"},
		{addCase{name: "body over 10 KiB", body: addCheckpoint(16, nil, cp16) + strings.Repeat("x", witness.MaxBodySize), status: 413},
			500, "litewitness answers http.MaxBytesError with a 500"},
	}
}

// flipPaddingBit returns base64 text for the same 32 bytes with one of
// the unused low bits of the last character set: decoders take it, but
// it is not the canonical encoding.
func flipPaddingBit(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := len(s) - 2 // "…X=": X carries 4 bits of the last byte and 2 unused
	return s[:i] + string(alphabet[strings.IndexByte(alphabet, s[i])^1]) + s[i+1:]
}

// runCase sends one case to the witness at base and checks the answer; v
// verifies the witness's cosignatures.
func runCase(t *testing.T, base string, c addCase, status int, v note.Verifier) (body string) {
	t.Helper()
	got, ctype, body := post(t, base, c.body)
	if got != status {
		t.Fatalf("status %d (%q), want %d", got, body, status)
	}
	switch status {
	case http.StatusOK:
		checkCosignature(t, c.signed, body, v)
	case http.StatusConflict:
		if ctype != "text/x.tlog.size" || body != c.body409 {
			t.Fatalf("409 with Content-Type %q and body %q, want text/x.tlog.size and %q", ctype, body, c.body409)
		}
	}
	return body
}

func TestAddCheckpoint(t *testing.T) {
	tw := startWitness(t, t.TempDir(), "witness.example.com")
	a := newTestLog(t, "example.com/log-a", 16)
	b := newTestLog(t, "example.com/log-b", 4)
	ctx := context.Background()
	for _, l := range []*testLog{a, b} {
		if _, err := tw.store.AddLog(ctx, l.origin, l.vkey); err != nil {
			t.Fatal(err)
		}
	}
	v := cosignatureVerifier(t, tw.key.VerifierKey())
	for _, c := range scenario(t, a) {
		t.Run(c.name, func(t *testing.T) { runCase(t, tw.srv.URL, c, c.status, v) })
	}
	for _, d := range divergences(t, a, b) {
		t.Run(d.name, func(t *testing.T) { runCase(t, tw.srv.URL, d.addCase, d.status, v) })
	}
	logs, err := tw.store.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 2 || logs[0].Size != 16 || logs[0].Root != a.root(16) || logs[1].Size != 0 {
		t.Fatalf("logs after the scenario: %+v; want a at 16 with its root, b at 0", logs)
	}
	t.Run("GET is 405", func(t *testing.T) {
		resp, err := http.Get(tw.srv.URL + "/add-checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("GET /add-checkpoint: %d", resp.StatusCode)
		}
	})
}

// TestConcurrentRequestsOneWins lines two requests from the same old size
// up after their checks, before either records its checkpoint, as in the
// rollback race of c2sp.org/tlog-witness: one to 12, one to 10. Exactly
// one is cosigned, the other gets a 409 naming the winner's size, and the
// log stays at the winner's checkpoint.
func TestConcurrentRequestsOneWins(t *testing.T) {
	tw := startWitness(t, t.TempDir(), "witness.example.com")
	a := newTestLog(t, "example.com/log-a", 12)
	if _, err := tw.store.AddLog(context.Background(), a.origin, a.vkey); err != nil {
		t.Fatal(err)
	}
	if got, _, body := post(t, tw.srv.URL, addCheckpoint(0, nil, a.checkpoint(8, nil))); got != 200 {
		t.Fatalf("first checkpoint: %d %q", got, body)
	}
	var arrived sync.WaitGroup
	arrived.Add(2)
	witness.SetBeforeCommit(tw.w, func() {
		arrived.Done()
		done := make(chan struct{})
		go func() { arrived.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second): // the witness lets one at a time through
		}
	})
	sizes := []int64{12, 10}
	var reqs []string
	for _, n := range sizes {
		reqs = append(reqs, addCheckpoint(8, a.proof(8, n), a.checkpoint(n, nil)))
	}
	status := make([]int, 2)
	bodies := make([]string, 2)
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			resp, err := http.Post(tw.srv.URL+"/add-checkpoint", "text/plain", strings.NewReader(req))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			status[i], bodies[i] = resp.StatusCode, string(b)
		})
	}
	wg.Wait()
	var won int
	switch {
	case status[0] == 200 && status[1] == 409:
		won = 0
	case status[1] == 200 && status[0] == 409:
		won = 1
	default:
		t.Fatalf("statuses %v, bodies %q: want one 200 and one 409", status, bodies)
	}
	if want := fmt.Sprintf("%d\n", sizes[won]); bodies[1-won] != want {
		t.Errorf("the loser's 409 says %q, want the winner's size %q", bodies[1-won], want)
	}
	logs, err := tw.store.Logs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if logs[0].Size != sizes[won] || logs[0].Root != a.root(sizes[won]) {
		t.Fatalf("log at %d %s, want the winner's %d", logs[0].Size, logs[0].Root, sizes[won])
	}
}

// TestRestartKeepsKeyAndState stops a witness and starts another on the
// same folder: the new one signs with the same key and knows the size the
// first one cosigned.
func TestRestartKeepsKeyAndState(t *testing.T) {
	dir := t.TempDir()
	a := newTestLog(t, "example.com/log-a", 8)
	tw := startWitness(t, dir, "witness.example.com")
	vkey := tw.key.VerifierKey()
	if _, err := tw.store.AddLog(context.Background(), a.origin, a.vkey); err != nil {
		t.Fatal(err)
	}
	first := addCase{body: addCheckpoint(0, nil, a.checkpoint(4, nil)), signed: a.checkpoint(4, nil)}
	runCase(t, tw.srv.URL, first, 200, cosignatureVerifier(t, vkey))
	tw.stop()

	tw = startWitness(t, dir, "")
	if tw.key.VerifierKey() != vkey || tw.key.Name() != "witness.example.com" {
		t.Fatalf("after a restart the key is %q, want %q", tw.key.VerifierKey(), vkey)
	}
	runCase(t, tw.srv.URL, addCase{body: first.body, body409: "4\n"}, 409, nil)
	signed := a.checkpoint(8, nil)
	runCase(t, tw.srv.URL, addCase{body: addCheckpoint(4, a.proof(4, 8), signed), signed: signed}, 200, cosignatureVerifier(t, vkey))
}

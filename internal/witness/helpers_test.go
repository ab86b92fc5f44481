package witness_test

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/witness"
)

// testLog is a real RFC 6962 log kept in memory: the stored hashes of its
// records and a checkpoint signer named after its origin.
type testLog struct {
	t      *testing.T
	origin string
	tag    string // makes a fork's records differ
	signer note.Signer
	vkey   string
	hashes []tlog.Hash
	size   int64
}

func newTestLog(t *testing.T, origin string, records int64) *testLog {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	l := &testLog{t: t, origin: origin, signer: signer, vkey: vkey}
	l.grow(records)
	return l
}

// fork returns a log with the same origin and key whose records differ
// from l's from the first on: what a log showing two views would sign.
func (l *testLog) fork(records int64) *testLog {
	f := &testLog{t: l.t, origin: l.origin, tag: "fork", signer: l.signer, vkey: l.vkey}
	f.grow(records)
	return f
}

// ReadHashes implements tlog.HashReader.
func (l *testLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x >= int64(len(l.hashes)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = l.hashes[x]
	}
	return out, nil
}

func (l *testLog) grow(records int64) {
	for ; l.size < records; l.size++ {
		hs, err := tlog.StoredHashes(l.size, []byte(fmt.Sprintf("%s %s record %d", l.origin, l.tag, l.size)), l)
		if err != nil {
			l.t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
	}
}

func (l *testLog) root(n int64) tlog.Hash {
	h, err := tlog.TreeHash(n, l)
	if err != nil {
		l.t.Fatal(err)
	}
	return h
}

func (l *testLog) proof(old, n int64) tlog.TreeProof {
	p, err := tlog.ProveTree(n, old, l)
	if err != nil {
		l.t.Fatal(err)
	}
	return p
}

// checkpoint returns l's checkpoint at size n, signed with signer (l's
// own key when nil).
func (l *testLog) checkpoint(n int64, signer note.Signer) []byte {
	if signer == nil {
		signer = l.signer
	}
	return signText(l.t, fmt.Sprintf("%s\n%d\n%s\n", l.origin, n, l.root(n)), signer)
}

func signText(t *testing.T, text string, signer note.Signer) []byte {
	t.Helper()
	b, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// addCheckpoint is an add-checkpoint request body.
func addCheckpoint(old int64, proof tlog.TreeProof, signed []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		fmt.Fprintf(&b, "%s\n", h)
	}
	b.WriteString("\n")
	b.Write(signed)
	return b.String()
}

// post sends an add-checkpoint request body to the witness at base.
func post(t *testing.T, base, body string) (status int, contentType, respBody string) {
	t.Helper()
	resp, err := http.Post(base+"/add-checkpoint", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// testWitness is a witness over real HTTP with its folder.
type testWitness struct {
	dir   string
	store *witness.Store
	key   *witness.Key
	w     *witness.Witness
	srv   *httptest.Server
}

func startWitness(t *testing.T, dir, name string) *testWitness {
	t.Helper()
	key, _, err := witness.OpenKey(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	st, err := witness.OpenStore(filepath.Join(dir, witness.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	w := witness.New(st, key, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	tw := &testWitness{dir: dir, store: st, key: key, w: w, srv: httptest.NewServer(w)}
	t.Cleanup(tw.stop)
	return tw
}

func (tw *testWitness) stop() {
	if tw.srv != nil {
		tw.srv.Close()
		tw.store.Close()
		tw.srv = nil
	}
}

// testWriter sends the witness's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", bytes.TrimSuffix(p, []byte("\n")))
	return len(p), nil
}

// cosignatureVerifier rebuilds the verifier of a witness's cosignatures
// from its verifier key text alone (note.NewVerifier knows only
// algorithm 1, plain Ed25519; cosignature/v1 keys are algorithm 4).
func cosignatureVerifier(t *testing.T, vkey string) note.Verifier {
	t.Helper()
	name, rest, _ := strings.Cut(vkey, "+")
	_, b64, _ := strings.Cut(rest, "+")
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(k) != 1+ed25519.PublicKeySize || k[0] != 4 {
		t.Fatalf("verifier key %q is not a cosignature/v1 key (%v)", vkey, err)
	}
	s, err := torchwood.NewCosignatureSigner(name, publicOnly(k[1:]))
	if err != nil {
		t.Fatal(err)
	}
	v := s.Verifier()
	if v.String() != vkey { // the key hash in the text is right too
		t.Fatalf("verifier key %q rebuilt as %q", vkey, v.String())
	}
	return v
}

// publicOnly is an Ed25519 public key posing as a signer, to build a
// torchwood verifier from; it cannot sign.
type publicOnly ed25519.PublicKey

func (p publicOnly) Public() crypto.PublicKey { return ed25519.PublicKey(p) }
func (publicOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("public key only")
}

// checkCosignature checks that cosig is one cosignature line by v's
// witness over the checkpoint, timestamped about now.
func checkCosignature(t *testing.T, signed []byte, cosig string, v note.Verifier) {
	t.Helper()
	if !strings.HasPrefix(cosig, "— "+v.Name()+" ") || strings.Count(cosig, "\n") != 1 || !strings.HasSuffix(cosig, "\n") {
		t.Fatalf("cosignature %q: want one line \"— %s …\\n\"", cosig, v.Name())
	}
	n, err := note.Open(append(bytes.Clone(signed), cosig...), note.VerifierList(v))
	if err != nil {
		t.Fatalf("cosignature %q does not verify with %s: %v", cosig, v.Name(), err)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != v.Name() {
		t.Fatalf("verified signatures %+v, want one by %s", n.Sigs, v.Name())
	}
	ts, err := torchwood.CosignatureTimestamp(n.Sigs[0])
	if d := time.Since(time.Unix(ts, 0)); err != nil || d < -time.Minute || d > time.Minute {
		t.Fatalf("cosignature timestamp %d (%v ago): %v", ts, d, err)
	}
}

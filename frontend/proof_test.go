package frontend_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/frontend"
	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/ledger/embedded/keys"
	"github.com/plumbline/plumbline/models"
)

// csp is the trace page's policy: no inline script, no eval, nothing from
// another origin.
const csp = "default-src 'self'; script-src 'self'"

const ledgerName = "proof-test"

// proofJSON is the evidence JSON the trace page's API serves: the ledger's
// Evidence plus, optionally, the certificate of the organization that
// signed the entry (DER, base64).
type proofJSON struct {
	ledger.Evidence
	OrgCertificate []byte `json:"org_certificate,omitempty"`
}

// clone deep-copies p, so that a case may tamper with its copy.
func (p proofJSON) clone() proofJSON {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	var q proofJSON
	if err := json.Unmarshal(b, &q); err != nil {
		panic(err)
	}
	return q
}

// realLedger is an embedded ledger on a temporary SQLite file with five
// committed registrations, and what the cases need from it.
type realLedger struct {
	l        *embedded.Ledger
	keyDir   string
	key      string               // checkpoint verifier key
	evidence map[uint64]proofJSON // by seq, each with its org certificate
}

func openRealLedger(t *testing.T) *realLedger {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clock := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC) // nanoseconds, as RFC3339Nano writes them
	keyDir := t.TempDir()
	l, err := embedded.Open(ctx, embedded.Options{
		DB: dbtest.Open(t, dbx.SQLite), KeyDir: keyDir, Origin: "plumbline/" + ledgerName,
		Now: func() time.Time { return clock },
	})
	if err != nil {
		t.Fatalf("embedded.Open: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })

	orgs := []struct {
		id   string
		kind models.OrgKind
	}{
		{"city-bureau", models.KindAuthority}, // the authority registers itself first
		{"east-cement", models.KindManufacturer},
		{"river-haulage", models.KindCarrier},
		{"tower-builders", models.KindContractor},
		{"north-lab", models.KindInspection},
	}
	for i, o := range orgs {
		org := models.Organization{ID: o.id, Name: "Organization " + o.id, Kind: o.kind, Country: "CN", City: "Hangzhou"}
		if o.kind == models.KindContractor {
			org.Sites = []string{"tower-a"}
		}
		args, err := json.Marshal(map[string]any{"organization": org})
		if err != nil {
			t.Fatal(err)
		}
		tx := ledger.Tx{
			Type: "RegisterOrganization", Args: args,
			Org: "city-bureau", User: "bureau-admin", Role: models.RoleAdmin,
			Time: clock.Add(time.Duration(i-10) * time.Minute),
		}
		if _, err := l.Submit(ctx, tx); err != nil {
			t.Fatalf("Submit(register %s): %v", o.id, err)
		}
	}

	r := &realLedger{l: l, keyDir: keyDir, key: l.VerifierKey(), evidence: map[uint64]proofJSON{}}
	for seq := uint64(1); seq <= uint64(len(orgs)); seq++ {
		ev, err := l.Evidence(ctx, seq)
		if err != nil {
			t.Fatalf("Evidence(%d): %v", seq, err)
		}
		if err := embedded.VerifyEvidence(ev, r.key); err != nil {
			t.Fatalf("Go's VerifyEvidence rejects the evidence of seq %d: %v", seq, err)
		}
		e, err := embedded.DecodeEntry(ev.Entry)
		if err != nil {
			t.Fatalf("DecodeEntry(%d): %v", seq, err)
		}
		cert, err := l.Certificate(ctx, e.CertFingerprint)
		if err != nil {
			t.Fatalf("Certificate of seq %d: %v", seq, err)
		}
		r.evidence[seq] = proofJSON{Evidence: ev, OrgCertificate: cert.Raw}
	}
	return r
}

// resign returns the evidence's note with its text changed by edit and
// signed by signer.
func resign(t *testing.T, signed string, signer note.Signer, edit func(text string) string) string {
	t.Helper()
	text := signed[:strings.LastIndex(signed, "\n\n")+1]
	msg, err := note.Sign(&note.Note{Text: edit(text)}, signer)
	if err != nil {
		t.Fatalf("note.Sign: %v", err)
	}
	return string(msg)
}

// newNoteSigner generates a checkpoint signer named name.
func newNoteSigner(t *testing.T, name string) (note.Signer, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatalf("note.GenerateKey: %v", err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatalf("note.NewSigner: %v", err)
	}
	return s, vkey
}

// syntheticEvidence builds, without a ledger, a one-entry tree whose entry
// is signed by a fresh self-signed organization key, its checkpoint signed
// by a fresh note key. With goodSig false the organization signature is
// over other bytes, everything else stays valid.
func syntheticEvidence(t *testing.T, goodSig bool) (proofJSON, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "synthetic-org"},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	txRaw := embedded.EncodeTx(embedded.TxPart{
		TxID: "synthetic-1", Time: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), Org: "synthetic-org",
		User: "admin", Role: models.RoleAdmin, Type: "RegisterOrganization", Args: []byte(`{}`),
	})
	signedBytes := txRaw
	if !goodSig {
		signedBytes = append(append([]byte(nil), txRaw...), 'x')
	}
	digest := sha256.Sum256(signedBytes)
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	entry := embedded.EncodeEntry(1, txRaw, nil, sha256.Sum256(der), sig)
	leaf := tlog.RecordHash(entry)
	root, err := tlog.TreeHash(1, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		return []tlog.Hash{leaf}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	const origin = "plumbline/synthetic"
	signer, vkey := newNoteSigner(t, origin)
	cpTime := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	msg, err := note.Sign(&note.Note{Text: embedded.FormatCheckpoint(origin, 1, root)}, signer)
	if err != nil {
		t.Fatal(err)
	}
	ev := ledger.Evidence{
		Kind: ledger.EvidenceMerkle, Seq: 1, TxID: "synthetic-1", Entry: entry, LeafIndex: 0, LeafHash: leaf[:],
		Checkpoint: ledger.Checkpoint{Size: 1, Root: root[:], Note: string(msg), Time: cpTime},
	}
	return proofJSON{Evidence: ev, OrgCertificate: der}, vkey
}

// wrongHash returns the verifier key vkey with another key hash.
func wrongHash(vkey string) string {
	parts := strings.SplitN(vkey, "+", 3)
	if parts[1] == "00000000" {
		parts[1] = "00000001"
	} else {
		parts[1] = "00000000"
	}
	return strings.Join(parts, "+")
}

// proofCase is one fixture page: the JSON its proof URL serves and the
// outcome the script must reach.
type proofCase struct {
	name  string
	json  any    // served at the proof URL; nil means 404
	raw   string // served instead of json when set
	key   string // data-verifier-key; "-" for none
	lang  string
	attrs map[string]string

	wantState, wantReason string
	wantText              string   // exact .proof-status text; "" skips
	wantDetails           []string // "label=value" rows that must be present
	wantNoDetail          string   // a label that must be absent
	wantTime              string   // the checkpoint <time>'s datetime
	screenshot            string   // file name in the artifacts folder
}

// pageHTML is the fixture trace page: one proof section, the app's CSS and
// proof.js from frontend.FS(), no inline script or style.
func pageHTML(c proofCase, proofURL, defaultKey string) string {
	lang := c.lang
	if lang == "" {
		lang = "en"
	}
	var attrs strings.Builder
	fmt.Fprintf(&attrs, ` data-proof-url="%s"`, html.EscapeString(proofURL))
	switch c.key {
	case "":
		fmt.Fprintf(&attrs, ` data-verifier-key="%s"`, html.EscapeString(defaultKey))
	case "-":
	default:
		fmt.Fprintf(&attrs, ` data-verifier-key="%s"`, html.EscapeString(c.key))
	}
	names := make([]string, 0, len(c.attrs))
	for k := range c.attrs {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(&attrs, ` %s="%s"`, k, html.EscapeString(c.attrs[k]))
	}
	return `<!doctype html>
<html lang="` + lang + `">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trace ` + html.EscapeString(c.name) + `</title>
<link rel="stylesheet" href="/static/css/app.css">
<script src="/static/js/proof.js" defer></script>
</head>
<body>
<main>
<h1>Batch CEM-2026-0042</h1>
<section id="ledger-proof" data-state="unchecked"` + attrs.String() + `>
<h2>Ledger proof</h2>
<p class="proof-status">Not checked.</p>
<dl class="proof-details"></dl>
</section>
</main>
</body>
</html>
`
}

// pageResult is what a finished fixture page shows.
type pageResult struct {
	State   string   `json:"state"`
	Reason  string   `json:"reason"`
	Kind    string   `json:"kind"`
	Status  string   `json:"status"`
	Details []string `json:"details"`
	Time    string   `json:"time"` // the datetime of the details' <time>
}

const readResult = `(() => {
	const el = document.querySelector("#ledger-proof");
	return {
		state: el.getAttribute("data-state") || "",
		reason: el.getAttribute("data-reason") || "",
		kind: el.getAttribute("data-proof-kind") || "",
		status: (el.querySelector(".proof-status") || {}).textContent || "",
		time: (el.querySelector(".proof-details time") || {}).dateTime || "",
		details: Array.from(el.querySelectorAll(".proof-details dd")).map(dd => dd.previousElementSibling.textContent + "=" + dd.textContent),
	};
})()`

// settled is true once proof.js has replaced the page's initial state and
// finished verifying.
const settled = `(() => {
	const s = document.querySelector("#ledger-proof").getAttribute("data-state");
	return s !== "unchecked" && s !== "verifying";
})()`

// fixtureServer serves the static files, the fixture pages and their proof
// JSON, every response with the strict CSP.
type fixtureServer struct {
	*httptest.Server
	mu    sync.Mutex
	cases map[string]proofCase
	key   string
}

func newFixtureServer(t *testing.T, key string) *fixtureServer {
	t.Helper()
	fs := &fixtureServer{cases: map[string]proofCase{}, key: key}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(frontend.FS())))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /trace/{case}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := fs.get(r.PathValue("case"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(pageHTML(c, "/api/v1/proof/"+r.PathValue("case"), fs.key)))
	})
	mux.HandleFunc("GET /inline", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html><head><title>inline</title></head><body><p id="x">static</p>` +
			`<script>document.getElementById("x").textContent = "inline ran"</script></body></html>`))
	})
	mux.HandleFunc("GET /api/v1/proof/{case}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := fs.get(r.PathValue("case"))
		if !ok || (c.json == nil && c.raw == "") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if c.raw != "" {
			_, _ = w.Write([]byte(c.raw))
			return
		}
		_ = json.NewEncoder(w).Encode(c.json)
	})
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fixtureServer) add(c proofCase) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	id := fmt.Sprintf("c%d", len(fs.cases))
	fs.cases[id] = c
	return fs.URL + "/trace/" + id
}

func (fs *fixtureServer) get(id string) (proofCase, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	c, ok := fs.cases[id]
	return c, ok
}

// TestProofPage drives proof.js in Chromium against evidence from a real
// embedded ledger, intact and tampered in every way the script checks.
func TestProofPage(t *testing.T) {
	rl := openRealLedger(t)
	srv := newFixtureServer(t, rl.key)
	browser := startChromium(t)
	cons := recordConsole(t, browser)

	const origin = "plumbline/" + ledgerName
	valid := rl.evidence[3]
	rootHex := hex.EncodeToString(valid.Checkpoint.Root)
	size := valid.Checkpoint.Size

	tamper := func(f func(p *proofJSON)) proofJSON {
		p := valid.clone()
		f(&p)
		return p
	}
	otherSameName, otherSameNameKey := newNoteSigner(t, origin)
	otherName, _ := newNoteSigner(t, "plumbline/elsewhere")
	store, err := keys.Open(rl.keyDir, "", nil)
	if err != nil {
		t.Fatalf("keys.Open: %v", err)
	}
	realSigner, err := store.SignerNamed(origin)
	if err != nil {
		t.Fatal(err)
	}
	otherRoot := sha256.Sum256([]byte("another tree"))
	otherRootB64 := base64.StdEncoding.EncodeToString(otherRoot[:])
	editRoot := func(text string) string {
		lines := strings.Split(text, "\n")
		lines[2] = otherRootB64
		return strings.Join(lines, "\n")
	}
	synthGood, synthKey := syntheticEvidence(t, true)
	synthBad, synthBadKey := syntheticEvidence(t, false)

	verifiedText := func(seq uint64) string {
		return fmt.Sprintf("Verified: entry %d is in the ledger of %d entries signed by %s", seq, size, origin)
	}
	failed := func(reason string) string { return "Not verified: " + reason }

	cases := []proofCase{
		{
			name: "valid, with the organization certificate", json: valid,
			wantState: "verified", wantText: verifiedText(3),
			wantDetails: []string{
				"Entry=3", "Leaf index=2", fmt.Sprintf("Tree size=%d", size), "Root hash=" + rootHex,
				"Signed by=" + origin, "Transaction=" + valid.TxID, "Organization=city-bureau",
				"Type=RegisterOrganization", "Organization signature=checked",
			},
			wantTime:   valid.Checkpoint.Time.Format(time.RFC3339Nano),
			screenshot: "proof-verified.png",
		},
		{
			name: "valid, without the organization certificate", json: valid.Evidence,
			wantState: "verified", wantText: verifiedText(3), wantNoDetail: "Organization signature",
		},
		{
			name: "localised verified message", json: valid, lang: "de",
			attrs: map[string]string{
				"data-msg-verified": "Geprüft: Eintrag {seq} von {size}, signiert von {name}",
				"data-label-seq":    "Eintrag",
			},
			wantState: "verified", wantText: fmt.Sprintf("Geprüft: Eintrag 3 von %d, signiert von %s", size, origin),
			wantDetails: []string{"Eintrag=3"},
		},
		{
			name: "tampered entry byte", json: tamper(func(p *proofJSON) { p.Entry[len(p.Entry)/2] ^= 0x01 }),
			wantState: "failed", wantReason: "leaf", wantText: failed("the entry does not match its leaf hash"),
		},
		{
			name: "localised failure", lang: "zh",
			json:      tamper(func(p *proofJSON) { p.Entry[len(p.Entry)/2] ^= 0x01 }),
			attrs:     map[string]string{"data-msg-failed": "未通过验证：{reason}", "data-reason-leaf": "条目与叶哈希不符"},
			wantState: "failed", wantReason: "leaf", wantText: "未通过验证：条目与叶哈希不符",
		},
		{
			name: "tampered proof hash", json: tamper(func(p *proofJSON) { p.Proof[0][5] ^= 0x80 }),
			wantState: "failed", wantReason: "root", wantText: failed("the proof does not lead to the signed root"),
		},
		{
			name: "proof hash dropped", json: tamper(func(p *proofJSON) { p.Proof = p.Proof[:len(p.Proof)-1] }),
			wantState: "failed", wantReason: "root",
		},
		{
			name: "wrong checkpoint size", json: tamper(func(p *proofJSON) { p.Checkpoint.Size++ }),
			wantState: "failed", wantReason: "size", wantText: failed("the tree size does not match the signed checkpoint"),
		},
		{
			name: "checkpoint root differs from the note", json: tamper(func(p *proofJSON) { p.Checkpoint.Root = otherRoot[:] }),
			wantState: "failed", wantReason: "root",
		},
		{
			name: "note signed by another key with the ledger's name",
			json: tamper(func(p *proofJSON) {
				p.Checkpoint.Note = resign(t, p.Checkpoint.Note, otherSameName, func(s string) string { return s })
			}),
			wantState: "failed", wantReason: "key", wantText: failed("the checkpoint is not signed by the expected key"),
		},
		{
			name: "note signed by another key, page given that key",
			json: tamper(func(p *proofJSON) {
				p.Checkpoint.Note = resign(t, p.Checkpoint.Note, otherSameName, func(s string) string { return s })
			}),
			key: otherSameNameKey, wantState: "verified", wantText: verifiedText(3),
		},
		{
			name: "note signed by another key and name",
			json: tamper(func(p *proofJSON) {
				p.Checkpoint.Note = resign(t, p.Checkpoint.Note, otherName, func(s string) string { return s })
			}),
			wantState: "failed", wantReason: "key",
		},
		{
			name: "note signature bytes flipped",
			json: tamper(func(p *proofJSON) {
				i := strings.LastIndex(p.Checkpoint.Note, " ") + 1
				sig, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(p.Checkpoint.Note[i:], "\n"))
				if err != nil {
					t.Fatal(err)
				}
				sig[10] ^= 0x01
				p.Checkpoint.Note = p.Checkpoint.Note[:i] + base64.StdEncoding.EncodeToString(sig) + "\n"
			}),
			wantState: "failed", wantReason: "signature", wantText: failed("the checkpoint signature is invalid"),
		},
		{
			name: "tampered note root",
			json: tamper(func(p *proofJSON) {
				i := strings.LastIndex(p.Checkpoint.Note, "\n\n")
				p.Checkpoint.Note = editRoot(p.Checkpoint.Note[:i+1]) + p.Checkpoint.Note[i+1:]
				p.Checkpoint.Root = otherRoot[:]
			}),
			wantState: "failed", wantReason: "signature",
		},
		{
			name: "another root signed by the ledger's own key",
			json: tamper(func(p *proofJSON) {
				p.Checkpoint.Note = resign(t, p.Checkpoint.Note, realSigner, editRoot)
				p.Checkpoint.Root = otherRoot[:]
			}),
			wantState: "failed", wantReason: "root",
		},
		{
			name: "evidence names another seq", json: tamper(func(p *proofJSON) { p.Seq++; p.LeafIndex++ }),
			wantState: "failed", wantReason: "seq", wantText: failed("the entry's sequence number does not match the proof"),
		},
		{
			name: "leaf index is not seq-1", json: tamper(func(p *proofJSON) { p.LeafIndex = 0 }),
			wantState: "failed", wantReason: "seq",
		},
		{
			name: "evidence names another transaction", json: tamper(func(p *proofJSON) { p.TxID = rl.evidence[2].TxID }),
			wantState: "failed", wantReason: "tx",
		},
		{
			name: "certificate of another organization", json: tamper(func(p *proofJSON) { p.OrgCertificate = synthGood.OrgCertificate }),
			wantState: "failed", wantReason: "certificate",
		},
		{
			name: "synthetic one-entry tree, valid", json: synthGood, key: synthKey,
			wantState: "verified", wantText: "Verified: entry 1 is in the ledger of 1 entries signed by plumbline/synthetic",
			wantDetails: []string{"Organization signature=checked"},
		},
		{
			name: "synthetic one-entry tree, organization signature over other bytes", json: synthBad, key: synthBadKey,
			wantState: "failed", wantReason: "org-signature",
			wantText: failed("the organization's signature on the transaction is invalid"),
		},
		{
			name: "fetch 404", json: nil,
			wantState: "error", wantReason: "fetch", wantText: "Could not check the proof: the proof could not be fetched",
		},
		{
			name: "not JSON", raw: "<html>oops</html>",
			wantState: "error", wantReason: "format",
		},
		{
			name: "page without a verifier key", json: valid, key: "-",
			wantState: "error", wantReason: "verifier-key",
		},
		{
			name: "verifier key with a wrong hash", json: valid,
			key:       wrongHash(rl.key),
			wantState: "error", wantReason: "verifier-key",
		},
		{
			name:      "fabric evidence",
			json:      ledger.Evidence{Kind: ledger.EvidenceFabric, Seq: 12, TxID: "9f8e7d6c", Block: 7, BlockHash: []byte{0x00, 0xff, 0x10, 0xab}},
			wantState: "recorded", wantText: "Fabric transaction 9f8e7d6c in block 7, block hash 00ff10ab",
			wantDetails: []string{"Block=7", "Block hash=00ff10ab", "Transaction=9f8e7d6c"},
		},
	}
	for seq := uint64(1); seq <= uint64(len(rl.evidence)); seq++ {
		cases = append(cases, proofCase{
			name: fmt.Sprintf("valid, leaf %d of %d", seq-1, size), json: rl.evidence[seq],
			wantState: "verified", wantText: verifiedText(seq),
		})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := srv.add(c)
			cons.Reset()
			ctx, cancel := context.WithTimeout(browser, 15*time.Second)
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
				t.Fatalf("navigate: %v", err)
			}
			if err := pollSettled(ctx, settled); err != nil {
				got, _ := chromedp.Run(ctx, chromedp.Evaluate[pageResult](readResult))
				t.Fatalf("proof.js did not finish (state %q; console %q): %v", got.State, cons.Lines(), err)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[pageResult](readResult))
			if err != nil {
				t.Fatalf("read the page: %v", err)
			}
			if v := cons.CSPViolations(); len(v) > 0 {
				t.Errorf("CSP violations: %q", v)
			}
			if got.State != c.wantState || got.Reason != c.wantReason {
				t.Errorf("state %q reason %q, want %q %q (status %q; console %q)", got.State, got.Reason, c.wantState, c.wantReason, got.Status, cons.Lines())
			}
			if c.wantText != "" && got.Status != c.wantText {
				t.Errorf("status text %q, want %q", got.Status, c.wantText)
			}
			for _, d := range c.wantDetails {
				if !slices.Contains(got.Details, d) {
					t.Errorf("details %q lack %q", got.Details, d)
				}
			}
			if c.wantTime != "" && got.Time != c.wantTime {
				t.Errorf("checkpoint <time datetime=%q>, want %q", got.Time, c.wantTime)
			}
			if c.wantNoDetail != "" {
				for _, d := range got.Details {
					if strings.HasPrefix(d, c.wantNoDetail+"=") {
						t.Errorf("details have %q, want no %q row", d, c.wantNoDetail)
					}
				}
			}
			if c.wantState != "verified" && c.wantState != "recorded" && len(got.Details) > 0 {
				t.Errorf("details %q on a %s page, want none", got.Details, c.wantState)
			}
			if c.screenshot != "" {
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatalf("screenshot: %v", err)
				}
				path := filepath.Join(artifactsDir(t), c.screenshot)
				if err := os.WriteFile(path, png, 0o644); err != nil {
					t.Fatalf("save screenshot: %v", err)
				}
				t.Logf("screenshot: %s", path)
			}
		})
	}

	// The control: the same console recording does see a CSP violation, so
	// the clean runs above prove that proof.js needs no inline script.
	t.Run("control: an inline script is reported as a CSP violation", func(t *testing.T) {
		cons.Reset()
		ctx, cancel := context.WithTimeout(browser, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/inline")); err != nil {
			t.Fatalf("navigate: %v", err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#x")))
		if err != nil {
			t.Fatalf("read the page: %v", err)
		}
		if text != "static" {
			t.Errorf("inline script ran under the CSP (text %q)", text)
		}
		if len(cons.CSPViolations()) == 0 {
			t.Errorf("no CSP violation recorded for an inline script; console: %q", cons.Lines())
		}
	})
}

// pollSettled waits until the page's expression settled is true. A poll
// that starts while the navigation is still replacing the document can be
// bound to the old document's JavaScript context, which Chromium then
// destroys ("Cannot find context with specified id"); such a poll is
// started again on the new document.
func pollSettled(ctx context.Context, settled string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](settled, chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil || !strings.Contains(err.Error(), "Cannot find context") || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

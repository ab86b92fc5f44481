package server

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/report"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/ledger/tlogproof"
)

// TestEntryTLogProof: an anonymous user downloads the offline proof of a
// public entry (a recall) as a C2SP tlog-proof file that VerifyProof (what
// plumbline verify-proof runs) accepts with nothing but the log's key; the
// proof of a private entry (an inspection, its notes and measurements)
// is refused to the public and to an uninvolved organization, and given
// to an involved one.
func TestEntryTLogProof(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	public, private := demoEntries(t, f, d)
	key := f.ledger.VerifierKey()
	path := func(seq uint64) string {
		return "/api/v1/ledger/entries/" + strconv.FormatUint(seq, 10) + "/tlog-proof"
	}

	code, h, body := f.fetch(t, "", path(public))
	if code != http.StatusOK {
		t.Fatalf("anonymous tlog-proof of public entry %d: %d %s", public, code, body)
	}
	if h.Get("Content-Type") != "text/plain; charset=utf-8" || h.Get("Content-Disposition") != `attachment; filename="`+strconv.FormatUint(public, 10)+`.tlog-proof"` {
		t.Errorf("headers: %v", h)
	}
	if !bytes.HasPrefix(body, []byte(tlogproof.Header+"\nextra ")) {
		t.Fatalf("not a tlog-proof with its entry:\n%s", body)
	}
	r, err := embedded.VerifyProof(body, key, nil, 0)
	if err != nil {
		t.Fatalf("VerifyProof of entry %d: %v\n%s", public, err, body)
	}
	if r.Entry.Seq != public || r.Entry.Tx.Type != "RecallBatch" || r.Origin != f.ledger.Origin() {
		t.Fatalf("VerifyProof = entry %d %s origin %q", r.Entry.Seq, r.Entry.Tx.Type, r.Origin)
	}
	// The same file with one byte of its entry changed is refused.
	tampered := bytes.Replace(body, []byte("\nindex "), []byte("\nindex 1"), 1)
	if _, err := embedded.VerifyProof(tampered, key, nil, 0); err == nil {
		t.Error("a tampered proof verifies")
	}

	// A v2 entry holds its private fields only as commitments: anyone
	// gets its proof, and nothing private comes with it.
	for who, token := range map[string]string{"anonymous": "", "uninvolved": f.token(t, "qiantang-glass.operator")} {
		code, _, body := f.fetch(t, token, path(private))
		r, err := embedded.VerifyProof(body, key, nil, 0)
		if code != http.StatusOK || err != nil || bytes.Contains(r.Entry.TxRaw, []byte("mortar")) || !bytes.Contains(r.Entry.TxRaw, []byte("plumbline:c1:")) {
			t.Errorf("%s: tlog-proof of private entry %d: %d %v %s", who, private, code, err, r.Entry.TxRaw)
		}
	}
	code, h, body = f.fetch(t, f.token(t, "xihu-readymix.viewer"), path(private))
	if code != http.StatusOK || h.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("involved: tlog-proof of private entry %d: %d %v %s", private, code, h, body)
	}
	if r, err := embedded.VerifyProof(body, key, nil, 0); err != nil || r.Entry.Tx.TxID != d.inspection.TxID {
		t.Fatalf("involved: VerifyProof of the inspection: %+v %v", r.Entry.Tx, err)
	}

	for p, want := range map[string]int{
		"/api/v1/ledger/entries/abc/tlog-proof":      http.StatusUnprocessableEntity,
		"/api/v1/ledger/entries/0/tlog-proof":        http.StatusUnprocessableEntity,
		"/api/v1/ledger/entries/99999999/tlog-proof": http.StatusNotFound,
	} {
		if code, _, body := f.fetch(t, "", p); code != want {
			t.Errorf("GET %s = %d %s, want %d", p, code, body, want)
		}
	}
}

// TestBatchTLogProofs: the trace page links the batch's offline proofs;
// the zip holds one verifiable <seq>.tlog-proof per entry the viewer may
// read, the log's key and a README naming the entries withheld, which
// for the public include the inspection and for an involved viewer
// nothing.
func TestBatchTLogProofs(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	_, private := demoEntries(t, f, d)
	link := "/api/v1/batches/" + d.failed + "/tlog-proofs"
	if code, body := f.anon().get(t, "/b/"+d.failed); code != http.StatusOK || !strings.Contains(body, `id="download-proofs" href="`+link+`"`) {
		t.Fatalf("the trace page does not link the offline proofs (%d)", code)
	}
	tl, err := f.store.Timeline(context.Background(), d.failed, 0, 0)
	if err != nil {
		t.Fatal(err)
	}

	open := func(who string, body []byte) (files map[string][]byte) {
		t.Helper()
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: not a zip: %v", who, err)
		}
		files = map[string][]byte{}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			files[zf.Name], _ = io.ReadAll(rc)
			rc.Close()
		}
		key := strings.TrimSpace(string(files["log.vkey"]))
		if key != f.ledger.VerifierKey() {
			t.Fatalf("%s: log.vkey %q, want %q", who, key, f.ledger.VerifierKey())
		}
		for name, text := range files {
			if !strings.HasSuffix(name, ".tlog-proof") {
				continue
			}
			r, err := embedded.VerifyProof(text, key, nil, 0)
			if err != nil || name != strconv.FormatUint(r.Entry.Seq, 10)+".tlog-proof" {
				t.Fatalf("%s: %s: entry %d, %v", who, name, r.Entry.Seq, err)
			}
			if bytes.Contains(r.Entry.TxRaw, []byte("mortar")) && who == "anonymous" {
				t.Errorf("%s: %s holds the inspection's notes", who, name)
			}
		}
		return files
	}

	code, h, body := f.fetch(t, "", link)
	if code != http.StatusOK || h.Get("Content-Type") != "application/zip" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("anonymous download: %d %v", code, h)
	}
	files := open("anonymous", body)
	name := strconv.FormatUint(private, 10) + ".tlog-proof"
	readme := string(files["README.txt"])
	// v2 entries commit to their private fields, so every proof is there.
	if _, ok := files[name]; !ok || strings.Contains(readme, "withheld") {
		t.Errorf("anonymous: the inspection's proof is missing from the zip (%v) or something is withheld:\n%s", ok, readme)
	}
	if proofs := len(files) - 2; proofs != len(tl) {
		t.Errorf("anonymous: %d proofs of %d entries", proofs, len(tl))
	}

	code, body2 := f.login(t, "xihu-readymix.viewer").get(t, link)
	if code != http.StatusOK {
		t.Fatalf("involved download: %d", code)
	}
	files = open("involved", []byte(body2))
	if _, ok := files[name]; !ok || len(files)-2 != len(tl) || strings.Contains(string(files["README.txt"]), "Withheld") {
		t.Errorf("involved: %d files for %d entries, inspection included %v:\n%s", len(files)-2, len(tl), ok, files["README.txt"])
	}
	if code, _, _ := f.fetch(t, "", "/api/v1/batches/NO-SUCH-BATCH/tlog-proofs"); code != http.StatusNotFound {
		t.Errorf("an unknown batch: %d", code)
	}
}

// demoEntries returns a public entry (the recall) and a private one (the
// failed inspection) on the timeline of the demo's failed batch.
func demoEntries(t *testing.T, f *fixture, d demoFacts) (public, private uint64) {
	t.Helper()
	tl, err := f.store.Timeline(context.Background(), d.failed, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tl {
		switch {
		case e.Type == "RecallBatch":
			public = e.Seq
		case e.TxID == d.inspection.TxID:
			private = e.Seq
		}
	}
	if public == 0 || private == 0 {
		t.Fatalf("no recall or inspection entry on %s's timeline", d.failed)
	}
	return public, private
}

// TestTracePDFProofs: the trace PDF carries every timeline entry's offline
// proof: whole (it verifies as a tlog-proof file) for entries the reader
// may read, without the entry but with its leaf hash, still leading to the
// signed root, for the others; and the printed text holds each proof's
// lines, so that a reader with only the paper can type them in.
func TestTracePDFProofs(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	public, private := demoEntries(t, f, d)
	ctx := context.Background()
	key := f.ledger.VerifierKey()
	logV, err := note.NewVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	ta := newTraceArea(f.srv)
	orgs, err := ta.orgMap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := f.store.Timeline(ctx, d.failed, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	proofs := func(who, org string) map[uint64]report.EntryProof {
		t.Helper()
		o := orgs[org]
		r, err := ta.pdfReport(ctx, traceQuery{Batch: d.failed, Direction: "backward"}, &o)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Proofs) != len(tl) || r.LogKey != key {
			t.Fatalf("%s: %d proofs of %d entries, key %q", who, len(r.Proofs), len(tl), r.LogKey)
		}
		out := map[uint64]report.EntryProof{}
		full := 0
		for _, e := range r.Proofs {
			out[e.Seq] = e
			p, err := tlogproof.Parse([]byte(e.Text))
			if err != nil {
				t.Fatalf("%s: proof of %d: %v", who, e.Seq, err)
			}
			if e.Full {
				full++
				if r, err := embedded.VerifyProof([]byte(e.Text), key, nil, 0); err != nil || r.Entry.Seq != e.Seq {
					t.Errorf("%s: the printed proof of %d does not verify: %v", who, e.Seq, err)
				}
				continue
			}
			if p.Extra != nil || len(e.LeafHash) != 32 {
				t.Errorf("%s: proof of %d printed without its entry has extra data or no leaf hash", who, e.Seq)
			}
			if _, err := tlogproof.Verify(p, tlog.Hash(e.LeafHash), tlogproof.Policy{Log: note.VerifierList(logV)}); err != nil {
				t.Errorf("%s: the leaf hash of %d does not lead to the signed root: %v", who, e.Seq, err)
			}
		}
		t.Logf("%s: %d of %d proofs printed whole", who, full, len(r.Proofs))
		if full == 0 && who == "involved" {
			t.Errorf("%s: no proof is printed whole", who)
		}
		var buf bytes.Buffer
		if err := report.WritePDF(&buf, r, f.srv.cat.Localizer("en")); err != nil {
			t.Fatal(err)
		}
		flat := squashSpace(readPDFText(t, buf.Bytes()))
		if !strings.Contains(flat, "Offlineproofs") || !strings.Contains(flat, key) {
			t.Errorf("%s: the PDF has no offline proofs section", who)
		}
		for _, e := range r.Proofs {
			if !strings.Contains(flat, squashSpace(e.Text)) {
				t.Errorf("%s: the PDF does not print the proof of entry %d as its text:\n%s", who, e.Seq, e.Text)
			}
		}
		return out
	}
	uninvolved := proofs("uninvolved", demo.OrgGlass)
	if e := uninvolved[private]; e.Withheld {
		t.Errorf("uninvolved: the inspection's committed entry is withheld:\n%s", e.Text)
	} else if p, err := tlogproof.Parse([]byte(e.Text)); err != nil || bytes.Contains(p.Extra, []byte("mortar")) {
		t.Errorf("uninvolved: the inspection's printed proof shows its notes (%v):\n%s", err, e.Text)
	}
	if e := uninvolved[public]; e.Withheld {
		t.Errorf("uninvolved: the recall's entry is withheld")
	}
	involved := proofs("involved", demo.OrgReadyMix)
	if e := involved[private]; e.Withheld {
		t.Errorf("involved: the inspection's entry is withheld")
	}
}

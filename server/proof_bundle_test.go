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

	for who, token := range map[string]string{"anonymous": "", "uninvolved": f.token(t, "qiantang-glass.operator")} {
		code, _, body := f.fetch(t, token, path(private))
		if code != http.StatusForbidden || bytes.Contains(body, []byte("mortar")) || bytes.Contains(body, []byte(tlogproof.Header)) {
			t.Errorf("%s: tlog-proof of private entry %d: %d %s", who, private, code, body)
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
	if _, ok := files[name]; ok || !strings.Contains(readme, "entry "+strconv.FormatUint(private, 10)+"  RecordInspection") {
		t.Errorf("anonymous: the inspection's proof is in the zip (%v) or not listed as withheld:\n%s", ok, readme)
	}
	if proofs := len(files) - 2; proofs == 0 || proofs >= len(tl) {
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

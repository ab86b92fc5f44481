package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/models"
)

// TestTracePagePrivacy fetches the trace page of the batch whose 28-day
// test failed anonymously, as a user of an uninvolved organization and as
// users of involved ones: only the involved see its private test report,
// the inspection's notes and its measurements.
func TestTracePagePrivacy(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	docs, err := f.store.Documents(context.Background(), d.failed)
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string // what only the involved may see
	for _, doc := range docs {
		if doc.Visibility == models.Private {
			secrets = append(secrets, doc.Name, doc.SHA256)
		}
	}
	if len(secrets) == 0 {
		t.Fatalf("batch %s has no private document", d.failed)
	}
	in := d.inspection
	secrets = append(secrets, in.Notes, "28-day flexural strength", "<td>"+in.Results[1].Value.String()+" ", `class="measurements"`, `id="private"`)

	clients := map[string]*client{
		"anonymous":                     f.anon(),
		"qiantang-glass.operator":       f.login(t, "qiantang-glass.operator"),
		"zhehang-logistics.viewer":      nil, // the carrier of its shipments: involved
		"fuchun-cement.operator":        nil, // producer
		"xihu-readymix.viewer":          nil, // custodian
		"hz-construction-bureau.viewer": nil, // authority
	}
	involved := map[string]bool{"zhehang-logistics.viewer": true, "fuchun-cement.operator": true, "xihu-readymix.viewer": true, "hz-construction-bureau.viewer": true}
	for who, c := range clients {
		if c == nil {
			c = f.login(t, who)
		}
		code, body := c.get(t, "/b/"+d.failed)
		if code != http.StatusOK {
			t.Fatalf("%s: GET /b/%s = %d", who, d.failed, code)
		}
		if !strings.Contains(body, d.failed) || !strings.Contains(body, "cement-quality-certificate-") {
			t.Errorf("%s: the public tier is missing", who)
		}
		for _, s := range secrets {
			if got := strings.Contains(body, s); got != involved[who] {
				t.Errorf("%s: page contains %q = %v, want %v", who, s, got, involved[who])
			}
		}
	}
}

// TestTraceProofAccess checks the proof endpoint: public entries come
// whole with the organization's certificate, and embedded.VerifyEvidence
// accepts them; an inspection's entry (notes, measurements) is redacted
// for the public and uninvolved, and whole for the involved.
func TestTraceProofAccess(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	ctx := context.Background()
	tl, err := f.store.Timeline(ctx, d.failed, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var public, private uint64
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
	key := f.ledger.VerifierKey()
	get := func(token string, seq uint64) proofResponse {
		t.Helper()
		var r proofResponse
		if code := f.call(t, token, "GET", "/api/v1/ledger/entries/"+strconv.FormatUint(seq, 10)+"/proof", nil, &r); code != http.StatusOK {
			t.Fatalf("proof %d: status %d", seq, code)
		}
		return r
	}
	whole := func(who string, r proofResponse) {
		t.Helper()
		if r.Redacted || len(r.Entry) == 0 {
			t.Fatalf("%s: entry %d redacted", who, r.Seq)
		}
		if err := embedded.VerifyEvidence(r.Evidence, key); err != nil {
			t.Fatalf("%s: VerifyEvidence(%d): %v", who, r.Seq, err)
		}
		e, err := embedded.DecodeEntry(r.Entry)
		if err != nil || sha256.Sum256(r.OrgCertificate) != e.CertFingerprint {
			t.Fatalf("%s: org certificate does not match entry %d (%v)", who, r.Seq, err)
		}
	}
	whole("anonymous", get("", public))
	involved := f.token(t, "xihu-readymix.viewer")
	whole("custodian", get(involved, private))
	whole("agency", get(f.token(t, "zj-quality-inspection.viewer"), private))
	// The inspection's entry (v2) holds its notes and measurements only
	// as commitments: everyone gets it, only the involved the openings.
	for who, token := range map[string]string{"anonymous": "", "uninvolved": f.token(t, "qiantang-glass.operator")} {
		r := get(token, private)
		raw, _ := json.Marshal(r)
		if r.Redacted || !r.Committed || len(r.Openings) != 0 || len(r.Entry) == 0 || len(r.Proof) == 0 {
			t.Errorf("%s: the committed inspection entry: %s", who, raw)
		}
		whole(who, r)
		if bytes.Contains(raw, []byte("mortar")) || bytes.Contains(r.Entry, []byte("mortar")) {
			t.Errorf("%s: the proof leaks the notes", who)
		}
		if _, err := embedded.OpenEntry(r.Entry, nil); err == nil {
			t.Errorf("%s: the entry opened without its openings", who)
		}
	}
	if r := get(involved, private); len(r.Openings) == 0 {
		t.Error("custodian: no openings for the inspection entry")
	} else if args, err := embedded.OpenEntry(r.Entry, r.Openings); err != nil || !bytes.Contains(args, []byte("mortar")) {
		t.Errorf("custodian: the openings do not open the entry to its notes: %s %v", args, err)
	}
	// Bad input.
	for path, want := range map[string]int{
		"/api/v1/ledger/entries/abc/proof":      http.StatusUnprocessableEntity,
		"/api/v1/ledger/entries/0/proof":        http.StatusUnprocessableEntity,
		"/api/v1/ledger/entries/99999999/proof": http.StatusNotFound,
		"/api/v1/ledger/entries/-1/proof":       http.StatusUnprocessableEntity,
	} {
		var e apiErr
		if code := f.call(t, "", "GET", path, nil, &e); code != want || e.Error.Message == "" {
			t.Errorf("GET %s = %d %v, want %d", path, code, e, want)
		}
	}
	var cp checkpointResponse
	if code := f.call(t, "", "GET", "/api/v1/ledger/checkpoint", nil, &cp); code != http.StatusOK || cp.VerifierKey != key || cp.Checkpoint.Size == 0 || cp.LedgerKind != "embedded" {
		t.Errorf("checkpoint: %d %+v", code, cp)
	}
	if _, err := embedded.ParseCheckpoint(cp.Checkpoint.Note, key); err != nil {
		t.Errorf("checkpoint note: %v", err)
	}
}

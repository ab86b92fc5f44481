package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/report"
	"github.com/plumbline/plumbline/models"
)

// needFile returns path or skips the test (fails with CI=true) when it is
// missing.
func needTool(t *testing.T, path, pkg string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required when CI=true (apt-get install %s): %v", path, pkg, err)
		}
		t.Skipf("%s is not installed (apt-get install %s)", path, pkg)
	}
	return path
}

// pdfText reads a PDF's text back with poppler's pdftotext.
func readPDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool := needTool(t, "/usr/bin/pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// squash drops white space, as pdftotext may break a long hash or code
// across lines.
func squashSpace(s string) string { return strings.Join(strings.Fields(s), "") }

// TestTracePDF prints the trace report of the demo's failed concrete
// batch both ways and reads it back with pdftotext: the cover names the
// batch, its status and its first ledger entry with the checkpoint; the
// timeline, the graph's batches, the failing inspection with its
// measurements and every document's SHA-256 are there for an involved
// reader; an uninvolved reader gets the verdicts but neither measurements,
// notes nor private documents; in Chinese the Chinese text prints. Bad
// input is a 4xx with the reason.
func TestTracePDF(t *testing.T) {
	font := needTool(t, "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "fonts-droid-fallback")
	f := newFixture(t, true)
	d := findDemo(t, f)
	b, err := os.ReadFile(font)
	if err != nil {
		t.Fatal(err)
	}
	f.srv.opts.LabelFont = b
	ctx := context.Background()
	batch, err := f.store.Batch(ctx, d.failed)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := f.store.Documents(ctx, d.failed)
	if err != nil || len(docs) == 0 {
		t.Fatalf("documents of %s: %v", d.failed, err)
	}
	evs, err := f.store.Timeline(ctx, d.failed, 0, 1)
	if err != nil || len(evs) == 0 {
		t.Fatal(err)
	}
	cp, err := f.ledger.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := "/trace.pdf?batch=" + url.QueryEscape(d.failed) + "&direction=both"
	get := func(c *client, path string) (string, string) {
		t.Helper()
		code, body, h := c.do(t, newGet(t, f.URL+path))
		if code != http.StatusOK || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
			t.Fatalf("%s: %d %s", path, code, h.Get("Content-Type"))
		}
		txt := readPDFText(t, []byte(body))
		return txt, squashSpace(txt)
	}

	txt, flat := get(f.login(t, "hz-construction-bureau.viewer"), q)
	want := []string{d.failed, "Trace report", "recalled", "Ledger evidence", evs[0].TxID, "Checkpoint size", "Page 1 of",
		"Chain of custody", "Graph", "Inspections", "FAIL", d.inspection.Type, d.inspection.Results[0].Property, "Documents"}
	for _, doc := range docs {
		want = append(want, "SHA-256"+doc.SHA256)
	}
	for _, w := range want {
		if !strings.Contains(flat, squashSpace(w)) {
			t.Errorf("the PDF lacks %q", w)
		}
	}
	if batch.Status != models.StatusRecalled {
		t.Errorf("the demo's failed batch is %s, the test expects it recalled", batch.Status)
	}
	if !strings.Contains(txt, "Generated ") || cp.Size == 0 {
		t.Error("no generation time in the footer")
	}
	if !strings.Contains(flat, squashSpace(d.inspection.Notes)[:min(20, len(squashSpace(d.inspection.Notes)))]) {
		t.Errorf("an involved reader does not see the inspection's notes")
	}

	// An uninvolved organization: verdicts, no measurements, notes or
	// private documents.
	_, flat = get(f.login(t, "qiantang-glass.viewer"), q)
	if !strings.Contains(flat, "FAIL") || !strings.Contains(flat, d.failed) {
		t.Error("an uninvolved reader does not get the verdicts")
	}
	if note := squashSpace(d.inspection.Notes); strings.Contains(flat, note[:min(20, len(note))]) {
		t.Error("an uninvolved reader sees the inspection's notes")
	}
	for _, doc := range docs {
		if doc.Visibility == models.Private && strings.Contains(flat, doc.SHA256) {
			t.Errorf("an uninvolved reader sees private document %s", doc.Name)
		}
	}

	// In Chinese, with the CJK font.
	_, flat = get(f.login(t, "hz-construction-bureau.viewer"), q+"&lang=zh-CN")
	for _, w := range []string{"追溯报告", "账本", "不合格", d.failed, docs[0].SHA256} {
		if !strings.Contains(flat, w) {
			t.Errorf("the Chinese PDF lacks %q", w)
		}
	}

	c := f.login(t, "hz-construction-bureau.viewer")
	for _, b := range []struct {
		query string
		code  int
		msg   string
	}{
		{"batch=NO-SUCH", http.StatusNotFound, "NO-SUCH"},
		{"batch=", http.StatusUnprocessableEntity, "required"},
		{"batch=" + d.lot + "&depth=300", http.StatusUnprocessableEntity, "1 to 256"},
	} {
		if code, body := c.get(t, "/trace.pdf?"+b.query); code != b.code || !strings.Contains(body, b.msg) {
			t.Errorf("/trace.pdf?%s = %d, want %d saying %q", b.query, code, b.code, b.msg)
		}
	}
}

// TestTracePDFFabric prints the report on a Fabric-backed server: the
// cover's evidence is the first entry's transaction and block, without a
// Merkle checkpoint.
func TestTracePDFFabric(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	srv, err := New(Options{Ledger: fabricLike{f.ledger}, Store: f.store, Projector: f.proj, Accounts: f.accounts, Files: f.files,
		BaseURL: "https://trace.example", LedgerKind: "fabric", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tl, err := f.store.Timeline(ctx, d.failed, 0, 1)
	if err != nil || len(tl) == 0 {
		t.Fatal(err)
	}
	ta := newTraceArea(srv)
	orgs, err := ta.orgMap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bureau := orgs[demo.OrgBureau]
	r, err := ta.pdfReport(ctx, traceQuery{Batch: d.failed, Direction: "backward"}, &bureau)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WritePDF(&buf, r, srv.cat.Localizer("en")); err != nil {
		t.Fatal(err)
	}
	txt := readPDFText(t, buf.Bytes())
	flat := squashSpace(txt)
	// pdftotext reads the cover's facts column by column: labels, then
	// values (transaction, then block).
	for _, w := range []string{"Hyperledger Fabric", "Block", tl[0].TxID + " " + strconv.FormatUint(tl[0].Seq+2, 10), "Fabric block"} {
		if !strings.Contains(flat, squashSpace(w)) {
			t.Errorf("the Fabric PDF lacks %q:\n%s", w, txt)
		}
	}
	if strings.Contains(txt, "Checkpoint root hash") {
		t.Error("the Fabric PDF shows a Merkle checkpoint")
	}
}

package server

import (
	"bytes"
	"image"
	_ "image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/plumbline/plumbline/models"
)

// TestStoryInTheBrowser walks one batch of cement through its whole life in
// a real browser, each step by the person who does it on a real project:
//
//  1. the contractor orders cement for Tower A;
//  2. the cement plant commissions a batch with its certificate and
//     dispatches part of it against the order;
//  3. the site receives the delivery;
//  4. the inspector, on a phone, scans the batch's QR label (the PNG the
//     server makes, decoded by an independent QR decoder), records a
//     failing inspection (the batch goes on hold), a passing re-test, and
//     releases the hold;
//  5. the contractor records where the cement went;
//  6. the owner's manager opens the trace report and the batch's page,
//     whose JavaScript checks the ledger proof and says "verified".
//
// Screenshots of every step land in $PLUMBLINE_ARTIFACTS.
func TestStoryInTheBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser story skipped in -short mode")
	}
	f := newFixture(t, true)
	b := newBrowser(t, f)
	ctx := t.Context()
	today := time.Now().UTC().Format("2006-01-02")

	// 1. The contractor places a purchase order for 40 t of cement.
	b.login("zhongjian-no8.operator")
	b.visit("/orders/new")
	b.do("fill the order",
		chromedp.SetValue("#id", "PO-E2E-1"),
		chromedp.SetValue("#supplier", "fuchun-cement"),
		chromedp.SetValue("select#site", "tower-a"),
		chromedp.SetValue("#product_0", "po-42.5"),
		chromedp.SendKeys("#quantity_0", "40"))
	b.shot("story-1-order")
	b.submit("place the order", "#order-submit", "/orders")
	if _, err := f.store.PurchaseOrder(ctx, "PO-E2E-1"); err != nil {
		t.Fatalf("the order is not in the read model: %v", err)
	}

	// 2. The cement plant commissions a batch with its certificate …
	cert := filepath.Join(t.TempDir(), "certificate-E2E-CEM-1.pdf")
	if err := os.WriteFile(cert, []byte("%PDF-1.4\n% GB 175-2023 test certificate for E2E-CEM-1\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.login("fuchun-cement.operator")
	b.visit("/batches/new")
	b.do("fill the batch",
		chromedp.SetValue("#code", "E2E-CEM-1"),
		chromedp.SetValue("#product_id", "po-42.5"),
		chromedp.SendKeys("#quantity", "60"),
		chromedp.SetValue("#produced_on", today),
		chromedp.SetUploadFiles("#document_0", []string{cert}),
		chromedp.SetValue("#visibility_0", "public"))
	b.shot("story-2-commission")
	b.submit("commission the batch", "#commission-submit", "/b/E2E-CEM-1")
	if !strings.Contains(b.text("main"), "certificate-E2E-CEM-1.pdf") {
		t.Error("the batch page does not list the certificate")
	}
	// … and dispatches 40 t of it against the order, to Tower A.
	b.visit("/shipments/new?po=PO-E2E-1")
	b.do("fill the shipment",
		chromedp.SetValue("#code", "SH-E2E-1"),
		chromedp.SetValue("#carrier", "zhehang-logistics"),
		chromedp.SetValue("#batch_0", "E2E-CEM-1"),
		chromedp.SendKeys("#quantity_0", "40"),
		chromedp.SetValue("#po_line_0", "1"))
	b.shot("story-2-dispatch")
	b.submit("dispatch", "#dispatch-submit", "/shipments/SH-E2E-1")
	sh, err := f.store.Shipment(ctx, "SH-E2E-1")
	if err != nil || len(sh.Lines) != 1 {
		t.Fatalf("shipment: %+v %v", sh, err)
	}
	code := sh.Lines[0].Batch // the 40 t split off the 60 t batch

	// 3. The site receives the delivery, accepting the line.
	b.login("zhongjian-no8.operator")
	b.visit("/shipments/incoming")
	b.shot("story-3-incoming")
	b.visit("/shipments/SH-E2E-1/receive")
	b.submit("receive", "#receive-submit", "/shipments/incoming")
	if got, _ := f.store.Batch(ctx, code); got.Custodian != "zhongjian-no8" || got.Status != models.StatusAvailable {
		t.Fatalf("after receipt the batch is %s with %s", got.Status, got.Custodian)
	}

	// 4. The inspector scans the QR label with a phone.
	uri := decodeQR(t, f, code)
	u, err := url.Parse(uri)
	if err != nil || !strings.HasPrefix(uri, f.URL) {
		t.Fatalf("QR holds %q, not a URL on %s", uri, f.URL)
	}
	b.phone()
	b.login("zj-quality-inspection.inspector")
	b.visit(u.RequestURI())
	if !strings.Contains(b.url(), "/b/"+code) {
		t.Fatalf("the QR URL %s did not resolve to the batch page (at %s)", uri, b.url())
	}
	b.shot("story-4-scanned-phone")
	// A failing inspection: 28-day strength under the 42.5 MPa of GB 175.
	b.visit("/inspections/new?batch=" + url.QueryEscape(code))
	b.do("fill the failing inspection",
		chromedp.SendKeys("#m-compressive_strength_28d", "40.1"),
		chromedp.SendKeys("#m-compressive_strength_3d", "22.0"),
		chromedp.Click("#verdict-fail"),
		chromedp.SendKeys("#insp-notes", "28-day cubes below grade"))
	b.shot("story-4-inspection-fail-phone")
	b.submit("record the failing inspection", "#inspection-submit", "/b/")
	if got, _ := f.store.Batch(ctx, code); got.Status != models.StatusOnHold {
		t.Fatalf("after a failing inspection the batch is %s, want on hold", got.Status)
	}
	// The re-test passes.
	b.visit("/inspections/new?batch=" + url.QueryEscape(code))
	b.do("fill the passing re-test",
		chromedp.SendKeys("#m-compressive_strength_28d", "46.8"),
		chromedp.SendKeys("#m-compressive_strength_3d", "24.5"),
		chromedp.Click("#verdict-pass"),
		chromedp.SendKeys("#insp-notes", "re-test on retained samples"))
	b.submit("record the passing re-test", "#inspection-submit", "/b/")
	// And the inspector releases the hold.
	b.visit("/holds/" + url.PathEscape(code) + "/release")
	b.do("give the release reason", chromedp.SendKeys("#release-reason", "re-test passed GB 175-2023"))
	b.submit("release the hold", "#release-submit", "/")
	if got, _ := f.store.Batch(ctx, code); got.Status != models.StatusAvailable {
		t.Fatalf("after the re-test and release the batch is %s / %s", got.Status, got.Inspection)
	}
	if ins, err := f.store.Inspections(ctx, code); err != nil || len(ins) != 2 || ins[0].Verdict == ins[1].Verdict {
		t.Fatalf("inspections of %s: %+v %v", code, ins, err)
	}

	// 5. The contractor records where the cement went.
	b.login("zhongjian-no8.operator")
	b.visit("/usages/new?batch=" + url.QueryEscape(code))
	b.do("fill the usage",
		chromedp.SendKeys("#usage-quantity", "12.5"),
		chromedp.SendKeys("#usage-project", "Qianjiang Garden Residence"),
		chromedp.SendKeys("#usage-building", "Tower A"),
		chromedp.SendKeys("#usage-floor", "F12"),
		chromedp.SendKeys("#usage-element", "core wall grout"))
	b.shot("story-5-usage-phone")
	b.submit("record the usage", "#usage-submit", "/")
	us, err := f.store.Usages(ctx, code)
	if err != nil || len(us) != 1 {
		t.Fatalf("usages of %s: %+v %v", code, us, err)
	}

	// 6. The owner's manager traces the cement forward and checks the proof.
	b.login("qianjiang-urban-dev.viewer")
	b.visit("/trace?batch=E2E-CEM-1&direction=forward")
	if txt := b.text("main"); !strings.Contains(txt, "F12") || !strings.Contains(txt, code) {
		t.Errorf("the forward trace does not reach %s on F12:\n%s", code, clip(txt, 2000))
	}
	b.shot("story-6-trace")
	b.visit("/b/" + url.PathEscape(code))
	b.do("wait for the proof", chromedp.WaitVisible(`[data-proof-url][data-state="verified"]`))
	b.shot("story-6-batch-verified")
	if txt := b.text(`[data-proof-url] .proof-status`); !strings.Contains(strings.ToLower(txt), "verified") {
		t.Errorf("proof status says %q", txt)
	}
}

// decodeQR fetches the batch's QR label as the server renders it and
// decodes it with an independent decoder, returning the URI it holds.
func decodeQR(t *testing.T, f *fixture, code string) string {
	t.Helper()
	resp, err := http.Get(f.URL + "/api/v1/batches/" + url.PathEscape(code) + "/qr.png?size=512")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("QR label: %s", resp.Status)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decode the QR label: %v", err)
	}
	return res.GetText()
}

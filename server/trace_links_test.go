package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/label"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// TestTraceVerifyFile uploads a certificate recorded on the ledger (it
// matches), other bytes (no match) and nothing (422), and downloads public
// and private documents as the public, an uninvolved and an involved user.
func TestTraceVerifyFile(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	cert := []byte("%PDF-1.4\n% certificate of batch " + d.lot + "\n%%EOF\n")
	report := []byte("%PDF-1.4\n% private test report of batch " + d.lot + "\n%%EOF\n")
	certSHA := attachFile(t, f, "fuchun-cement.operator", d.lot, "certificate-"+d.lot+".pdf", cert, models.Public)
	reportSHA := attachFile(t, f, "fuchun-cement.operator", d.lot, "report-"+d.lot+".pdf", report, models.Private)

	anon := f.anon()
	code, body := anon.upload(t, "/b/"+d.lot+"/verify", "file", "mine.pdf", cert)
	if code != http.StatusOK || !strings.Contains(body, `data-match="true"`) || !strings.Contains(body, certSHA) || !strings.Contains(body, "certificate-"+d.lot+".pdf") {
		t.Errorf("matching file: %d %s", code, grep(body, "verify-result"))
	}
	code, body = anon.upload(t, "/b/"+d.lot+"/verify", "file", "other.pdf", []byte("%PDF-1.4\nsomething else\n"))
	if code != http.StatusOK || !strings.Contains(body, `data-match="false"`) {
		t.Errorf("other file: %d %s", code, grep(body, "verify-result"))
	}
	// A private document matches, but its name stays private.
	code, body = anon.upload(t, "/b/"+d.lot+"/verify", "file", "x.pdf", report)
	if code != http.StatusOK || !strings.Contains(body, `data-match="true"`) || strings.Contains(body, "report-"+d.lot+".pdf") {
		t.Errorf("private file: %d %s", code, grep(body, "verify-result"))
	}
	for name, c := range map[string]struct {
		field string
		data  []byte
		code  int
	}{
		"no file":     {"", nil, http.StatusUnprocessableEntity},
		"empty file":  {"file", nil, http.StatusUnprocessableEntity},
		"wrong field": {"upload", cert, http.StatusUnprocessableEntity},
	} {
		code, body := anon.upload(t, "/b/"+d.lot+"/verify", c.field, "f.pdf", c.data)
		if code != c.code || !strings.Contains(body, `id="err-file"`) || strings.Contains(body, "verify-result") {
			t.Errorf("%s: %d, want %d with an error next to the file field", name, code, c.code)
		}
	}
	if code, _ := anon.upload(t, "/b/NO-SUCH-BATCH/verify", "file", "f.pdf", cert); code != http.StatusNotFound {
		t.Errorf("unknown batch: %d", code)
	}

	// Downloads.
	uninvolved := f.login(t, "qiantang-glass.operator")
	involved := f.login(t, "fuchun-cement.viewer")
	for _, c := range []struct {
		who  *client
		sha  string
		code int
		body []byte
	}{
		{anon, certSHA, http.StatusOK, cert},
		{anon, reportSHA, http.StatusSeeOther, nil},
		{uninvolved, reportSHA, http.StatusForbidden, nil},
		{involved, reportSHA, http.StatusOK, report},
		{anon, strings.Repeat("0", 64), http.StatusNotFound, nil},
	} {
		code, body := c.who.get(t, "/files/"+c.sha)
		if code != c.code || (c.body != nil && body != string(c.body)) {
			t.Errorf("%s GET /files/%s = %d (%d bytes), want %d", c.who.user, c.sha[:8], code, len(body), c.code)
		}
	}
	// A document recorded on the ledger whose bytes are not stored here
	// (removed from the file store) is a 404.
	docs, _ := f.store.Documents(context.Background(), d.recall.BatchCode)
	sha := docs[0].SHA256
	if err := os.Remove(filepath.Join(f.dir, "files", sha[:2], sha[2:])); err != nil {
		t.Fatal(err)
	}
	if code, _ := anon.get(t, "/files/"+sha); code != http.StatusNotFound {
		t.Errorf("unstored file: %d", code)
	}
}

// TestDemoDocumentsDownload downloads every document the demo attaches —
// certificates, mill test certificates, test reports, photos — as an
// authority (which may see private ones) and the public ones anonymously:
// each is there, with the bytes whose SHA-256 and size the ledger records
// and the media type it names. (The demo once recorded documents whose
// bytes it never stored, so every download said "not stored on this
// server".)
func TestDemoDocumentsDownload(t *testing.T) {
	f := newFixture(t, true)
	plan, _ := demo.Plan(demo.Options{Seed: 7})
	authority := f.login(t, "hz-construction-bureau.admin")
	anon := f.anon()
	n := 0
	for _, tx := range plan {
		if tx.Type != "AttachDocument" {
			continue
		}
		var a contract.AttachDocumentArgs
		if err := json.Unmarshal(tx.Args, &a); err != nil {
			t.Fatal(err)
		}
		d := a.Document
		who := []*client{authority}
		if d.Visibility == models.Public {
			who = append(who, anon)
		}
		for _, c := range who {
			req, _ := http.NewRequest(http.MethodGet, f.URL+"/files/"+d.SHA256+"?batch="+url.QueryEscape(a.Batch), nil)
			code, body, h := c.do(t, req)
			sum := sha256.Sum256([]byte(body))
			if code != http.StatusOK || hex.EncodeToString(sum[:]) != d.SHA256 || int64(len(body)) != d.Size || h.Get("Content-Type") != d.MediaType {
				t.Errorf("%q GET %s of %s: %d, %d bytes of type %q; the ledger says %d bytes of %s",
					c.user, d.Name, a.Batch, code, len(body), h.Get("Content-Type"), d.Size, d.MediaType)
			}
		}
		n++
	}
	if n < 20 {
		t.Fatalf("only %d demo documents", n)
	}
}

func grep(body, marker string) string {
	i := strings.Index(body, marker)
	if i < 0 {
		return "(no " + marker + ")"
	}
	return body[i:min(len(body), i+400)]
}

// TestTraceDigitalLink resolves GS1 Digital Links and the home page form.
func TestTraceDigitalLink(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	ctx := context.Background()
	b, _ := f.store.Batch(ctx, d.lot)
	p, _ := f.store.Product(ctx, b.ProductID)
	path := label.Path(b, p)
	if !strings.HasPrefix(path, "/01/") {
		t.Fatalf("lot %s has no Digital Link path: %s", d.lot, path)
	}
	bad := []byte(path)
	bad[17] = '0' + (bad[17]-'0'+1)%10 // the GTIN-14's check digit
	anon := f.anon()
	for _, c := range []struct {
		path, loc string
		code      int
	}{
		{path, "/b/" + d.lot, http.StatusSeeOther},
		{path + "/21/12345?linkType=gs1:certificationInfo", "/b/" + d.lot, http.StatusSeeOther},
		{string(bad), "", http.StatusUnprocessableEntity},
		{"/01/" + models.GTIN14(p.GTIN) + "/10/NO-SUCH-LOT", "", http.StatusNotFound},
		{"/01/" + models.GTIN14(p.GTIN), "", http.StatusUnprocessableEntity},
		{"/01/00000000000017/10/X", "", http.StatusNotFound},
		{"/b?code=" + url.QueryEscape(d.lot), "/b/" + d.lot, http.StatusSeeOther},
		{"/b?code=" + url.QueryEscape(" "+d.lot+" "), "/b/" + d.lot, http.StatusSeeOther},
		{"/b?code=" + url.QueryEscape(f.URL+"/b/"+d.lot), "/b/" + d.lot, http.StatusSeeOther},
		{"/b?code=" + url.QueryEscape(f.URL+path), "/b/" + d.lot, http.StatusSeeOther},
		{"/b?code=", "", http.StatusNotFound},
		{"/b/NO-SUCH-BATCH", "", http.StatusNotFound},
	} {
		req, _ := http.NewRequest("GET", f.URL+c.path, nil)
		code, body, h := anon.do(t, req)
		if code != c.code || h.Get("Location") != c.loc {
			t.Errorf("GET %s = %d → %q, want %d → %q", c.path, code, h.Get("Location"), c.code, c.loc)
		}
		if code == http.StatusNotFound && !strings.Contains(body, `id="unknown-batch"`) {
			t.Errorf("GET %s: not the friendly 404 page", c.path)
		}
	}
}

// TestTraceQR decodes the served PNG with an independent decoder and gets
// the batch's exact URI; the SVG is well-formed XML; both are cached
// forever.
func TestTraceQR(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	ctx := context.Background()
	for _, code := range []string{d.lot, d.failed, d.concrete} {
		b, _ := f.store.Batch(ctx, code)
		p, _ := f.store.Product(ctx, b.ProductID)
		want := label.URI(f.URL, b, p)
		status, h, png := f.fetch(t, "", "/api/v1/batches/"+code+"/qr.png?size=300")
		if status != http.StatusOK || h.Get("Content-Type") != "image/png" || !strings.Contains(h.Get("Cache-Control"), "immutable") {
			t.Fatalf("qr.png %s: %d %v", code, status, h)
		}
		img, _, err := image.Decode(bytes.NewReader(png))
		if err != nil {
			t.Fatal(err)
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
		if err != nil || res.GetText() != want {
			t.Errorf("decoded %s's QR: %v, %v; want %q", code, res, err, want)
		}
		status, h, svg := f.fetch(t, "", "/api/v1/batches/"+code+"/qr.svg")
		if status != http.StatusOK || h.Get("Content-Type") != "image/svg+xml" || !strings.Contains(h.Get("Cache-Control"), "immutable") {
			t.Fatalf("qr.svg %s: %d %v", code, status, h)
		}
		dec := xml.NewDecoder(bytes.NewReader(svg))
		root := ""
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("qr.svg of %s is not well-formed: %v", code, err)
			}
			if se, ok := tok.(xml.StartElement); ok && root == "" {
				root = se.Name.Local
			}
		}
		if root != "svg" {
			t.Errorf("qr.svg root element %q", root)
		}
	}
	for path, want := range map[string]int{
		"/api/v1/batches/NO-SUCH/qr.png":               http.StatusNotFound,
		"/api/v1/batches/NO-SUCH/qr.svg":               http.StatusNotFound,
		"/api/v1/batches/" + d.lot + "/qr.png?size=x":  http.StatusUnprocessableEntity,
		"/api/v1/batches/" + d.lot + "/qr.png?size=10": http.StatusUnprocessableEntity,
	} {
		var e apiErr
		if code := f.call(t, "", "GET", path, nil, &e); code != want || (want == 422 && e.Error.Field != "size") {
			t.Errorf("GET %s = %d %v, want %d", path, code, e, want)
		}
	}
}

var pdfPage = regexp.MustCompile(`/Type /Page\b[^s]`)

// TestTraceLabels prints label sheets: N batches make ceil(N/24) pages;
// only batches the organization is involved with; login required.
func TestTraceLabels(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	ctx := context.Background()
	token := f.token(t, "fuchun-cement.operator")
	mine, err := f.store.Batches(ctx, storeFilterProducer("fuchun-cement", 30))
	if err != nil || len(mine.Items) < 25 {
		t.Fatalf("fuchun's batches: %d, %v", len(mine.Items), err)
	}
	for _, n := range []int{1, 3, 25} {
		q := url.Values{}
		for _, b := range mine.Items[:n] {
			q.Add("batch", b.Code)
		}
		status, h, pdf := f.fetch(t, token, "/api/v1/labels.pdf?"+q.Encode())
		if status != http.StatusOK || h.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("%d labels: %d %s", n, status, pdf[:min(len(pdf), 200)])
		}
		if pages, want := len(pdfPage.FindAll(pdf, -1)), (n+23)/24; pages != want {
			t.Errorf("%d labels: %d pages, want %d", n, pages, want)
		}
	}
	glass := f.token(t, "qiantang-glass.operator")
	for _, c := range []struct {
		token, query string
		code         int
		field        string
	}{
		{"", "batch=" + d.lot, http.StatusUnauthorized, ""},
		{token, "", http.StatusUnprocessableEntity, "batch"},
		{token, "batch=NO-SUCH", http.StatusNotFound, "batch"},
		{glass, "batch=" + d.lot, http.StatusForbidden, "batch"},
	} {
		var e apiErr
		if code := f.call(t, c.token, "GET", "/api/v1/labels.pdf?"+c.query, nil, &e); code != c.code || e.Error.Field != c.field {
			t.Errorf("labels.pdf?%s: %d %v, want %d on %q", c.query, code, e, c.code, c.field)
		}
	}
	// The page lists the organization's batches with checkboxes.
	c := f.login(t, "fuchun-cement.operator")
	code, body := c.get(t, "/labels?by=producer")
	if code != http.StatusOK || !strings.Contains(body, `value="`+mine.Items[0].Code+`"`) || !strings.Contains(body, `action="/labels/sheet"`) {
		t.Errorf("/labels: %d", code)
	}
}

package server

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLabelSheetPrintsStandardLotAndWholeName: a supplier registers a
// cement whose Chinese name is too long for the two lines a label used to
// give it ("…（早强型）" lost "早强型"), commissions a lot and prints its
// label from the labels page's form; pdftotext reads back the whole name,
// the standard and the lot number (named in Chinese).
func TestLabelSheetPrintsStandardLotAndWholeName(t *testing.T) {
	need := func(path, pkg string) string {
		if _, err := os.Stat(path); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required when CI=true (apt-get install %s): %v", path, pkg, err)
			}
			t.Skipf("%s is not installed (apt-get install %s)", path, pkg)
		}
		return path
	}
	font, err := os.ReadFile(need("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "fonts-droid-fallback"))
	if err != nil {
		t.Fatal(err)
	}
	pdftotext := need("/usr/bin/pdftotext", "poppler-utils")
	f := newFixture(t, true)
	f.srv.opts.LabelFont = font
	tok := f.token(t, "fuchun-cement.operator")
	name := "P·O 42.5R 普通硅酸盐水泥（散装，早强型）"
	if code := f.call(t, tok, "POST", "/api/v1/products", map[string]any{"product": map[string]any{
		"id": "po-42.5r-early", "name": name, "category": "cement", "standard": "GB 175-2023", "unit": "t", "manufacturer": "fuchun-cement"}}, nil); code != http.StatusCreated {
		t.Fatalf("register: %d", code)
	}
	if code := f.call(t, tok, "POST", "/api/v1/batches", map[string]any{"code": "FC-260412-R1", "product_id": "po-42.5r-early",
		"quantity": "300", "produced_on": "2026-04-12", "lot_number": "FC2604-A17"}, nil); code != http.StatusCreated {
		t.Fatalf("commission: %d", code)
	}
	c := f.login(t, "fuchun-cement.operator")
	c.get(t, "/login?lang=zh-CN")
	req, _ := http.NewRequest("GET", f.URL+"/labels/sheet?batch=FC-260412-R1", nil)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("label sheet: %d %s\n%.500s", resp.StatusCode, resp.Header.Get("Content-Type"), pdf)
	}
	path := filepath.Join(t.TempDir(), "labels.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"FC-260412-R1", strings.Join(strings.Fields(name), ""), "GB175-2023", "批号FC2604-A17", "300t"} {
		if !strings.Contains(text, want) {
			t.Errorf("the label lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(text, "…") {
		t.Errorf("something on the label was cut short:\n%s", out)
	}
}

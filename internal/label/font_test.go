package label

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// cjkFont is where Debian's fonts-droid-fallback puts its TrueType font.
const cjkFont = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// need returns the file or skips (fails with CI=true) when it is missing.
func need(t *testing.T, path, pkg string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required when CI=true (apt-get install %s): %v", path, pkg, err)
		}
		t.Skipf("%s is not installed (apt-get install %s)", path, pkg)
	}
	return path
}

// TestSheetPrintsChinese sets labels with Chinese product and company names
// in a CJK TrueType font and reads the PDF's text back with an independent
// tool (poppler's pdftotext): the names come back exactly, where the core
// font would have printed question marks.
func TestSheetPrintsChinese(t *testing.T) {
	font, err := os.ReadFile(need(t, cjkFont, "fonts-droid-fallback"))
	if err != nil {
		t.Fatal(err)
	}
	pdftotext := need(t, "/usr/bin/pdftotext", "poppler-utils")
	labels := []Label{
		{URI: "https://trace.example.com/b/FC-260309-02", Code: "FC-260309-02", Product: "P·O 42.5 普通硅酸盐水泥（散装）", Quantity: "266 吨", Producer: "富春水泥有限公司", Date: "2026-03-09"},
		{URI: "https://trace.example.com/b/JN-H2026-0117", Code: "JN-H2026-0117", Product: "HRB400E 热轧带肋钢筋 Φ12 盘卷，按 GB/T 1499.2-2024 生产并检验合格的一批很长的产品名称", Quantity: "24.5 吨", Producer: "江南钢铁股份有限公司", Date: "2026-01-17"},
		{URI: "https://trace.example.com/b/JN-H2026-0118", Code: "JN-H2026-0118", Product: strings.Repeat("热轧带肋钢筋盘卷", 25), Quantity: "1 吨", Producer: "江南钢铁股份有限公司", Date: "2026-01-18"},
	}
	var buf bytes.Buffer
	if err := Sheet(&buf, labels, SheetOptions{Font: font, Uncompressed: true}); err != nil {
		t.Fatal(err)
	}
	// A CJK fallback font may have no Latin glyphs: Latin runs are set in
	// Helvetica (literal strings in the content stream), the rest in the font.
	if !bytes.Contains(buf.Bytes(), []byte("(HRB400E ")) || !bytes.Contains(buf.Bytes(), []byte("(2026-03-09)")) {
		t.Error("Latin text is not set in Helvetica")
	}
	path := filepath.Join(t.TempDir(), "labels.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"普通硅酸盐水泥", "266吨", "富春水泥有限公司", "江南钢铁股份有限公司", "HRB400E", "FC-260309-02"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(text, "??") || !utf8.ValidString(string(out)) {
		t.Errorf("question marks or broken text in the PDF:\n%s", out)
	}
	// A long name wraps whole; one too long for any label (200 characters)
	// is cut at a character boundary and ends in an ellipsis.
	if !strings.Contains(text, "HRB400E热轧带肋钢筋Φ12盘卷，按GB/T1499.2-2024生产并检验合格的一批很长的产品名称") {
		t.Errorf("the long product name is not printed whole:\n%s", out)
	}
	if !strings.Contains(text, "…") {
		t.Errorf("the overlong product name is not shortened with an ellipsis:\n%s", out)
	}
}

func TestWrapKeepsCharactersWhole(t *testing.T) {
	width := func(s string) float64 { return float64(utf8.RuneCountInString(s)) }
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"普通硅酸盐水泥散装", "普通硅酸|盐水泥…"},
		{"热轧 带肋钢筋", "热轧|带肋钢筋"},
	} {
		got := strings.Join(wrapWith(tc.in, 4, 2, width, "…"), "|")
		if got != tc.want {
			t.Errorf("wrap(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("wrap(%q) cut a character in half: %q", tc.in, got)
		}
	}
}

// TestLabelPrintsStandardLotAndWholeName: a cement lot whose Chinese name
// is too long for two lines ("…（早强型）" used to lose "早强型") prints
// whole, with the standard it conforms to and its lot number, and a steel
// coil with its heat number; pdftotext reads them back.
func TestLabelPrintsStandardLotAndWholeName(t *testing.T) {
	font, err := os.ReadFile(need(t, cjkFont, "fonts-droid-fallback"))
	if err != nil {
		t.Fatal(err)
	}
	pdftotext := need(t, "/usr/bin/pdftotext", "poppler-utils")
	name := "P·O 42.5R 普通硅酸盐水泥（散装，早强型）"
	labels := []Label{
		{URI: "https://trace.example.com/b/FC-260412-01", Code: "FC-260412-01", Product: name, Standard: "GB 175-2023",
			Lot: "批号 FC2604-A17", Quantity: "300 吨", Producer: "杭州富春江水泥有限公司", Date: "2026-04-12"},
		{URI: "https://trace.example.com/b/JN-C-0412", Code: "JN-C-0412", Product: "HRB400E 热轧带肋钢筋 Φ12 盘卷", Standard: "GB/T 1499.2-2024",
			Lot: "炉号 J620412", Quantity: "24.5 吨", Producer: "江南钢铁股份有限公司", Date: "2026-04-12"},
	}
	for _, opt := range []SheetOptions{{Font: font, Columns: 3, Rows: 8}, {Font: font, Columns: 4, Rows: 10}} {
		var buf bytes.Buffer
		if err := Sheet(&buf, labels, opt); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "labels.pdf")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		text := strings.Join(strings.Fields(string(out)), "")
		for _, want := range []string{strings.Join(strings.Fields(name), ""), "GB175-2023", "批号FC2604-A17", "300吨", "杭州富春江水泥有限公司", "2026-04-12",
			"HRB400E热轧带肋钢筋Φ12盘卷", "GB/T1499.2-2024", "炉号J620412"} {
			if !strings.Contains(text, want) {
				t.Errorf("%d×%d labels: the PDF's text lacks %q:\n%s", opt.Columns, opt.Rows, want, out)
			}
		}
		if strings.Contains(text, "…") {
			t.Errorf("%d×%d labels: something was shortened:\n%s", opt.Columns, opt.Rows, out)
		}
	}
}

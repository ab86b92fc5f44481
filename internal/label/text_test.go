package label

import (
	"strings"
	"testing"
)

func TestPDFText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Portland cement 42.5", "Portland cement 42.5"},
		{"Béton prêt", "B\xe9ton pr\xeat"},
		{"€ – “q”", "\x80 \x96 \x93q\x94"},
		{"Łódź ő", "?\xf3dz o"}, // Ł has no decomposition
		{"ﬁbre Ａ", "fibre A"},
		{"水泥 C30", "?? C30"},
		{"🚧", "?"},
		{"a\x00b\tc\nd", "a b c d"},
		{"bad \xff utf8", "bad ? utf8"},
	}
	for _, tt := range tests {
		if got := pdfText(tt.in); got != tt.want {
			t.Errorf("pdfText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPDFTextBytes checks every Unicode scalar value maps only to bytes the
// core fonts can show.
func TestPDFTextBytes(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if r > 0x3000 && r%7 != 0 { // sample the rest to keep the test quick
			continue
		}
		s := pdfText(string(r))
		if s == "" {
			t.Fatalf("U+%04X maps to nothing", r)
		}
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c < 0x20, c == 0x7F, c == 0x81, c == 0x8D, c == 0x8F, c == 0x90, c == 0x9D:
				t.Fatalf("U+%04X maps to byte %#x", r, c)
			}
		}
	}
}

func TestFitWrap(t *testing.T) {
	width := func(s string) float64 { return float64(len(s)) } // one unit per byte
	if got := fit("short", 10, width); got != "short" {
		t.Errorf("fit = %q", got)
	}
	if got := fit("much too long", 6, width); got != "much"+ellipsis {
		t.Errorf("fit = %q", got)
	}
	got := wrap("HRB400E hot-rolled  ribbed steel bar", 12, 2, width)
	if want := "HRB400E|hot-rolled" + ellipsis; strings.Join(got, "|") != want {
		t.Errorf("wrap = %q, want %q", got, want)
	}
	for _, l := range got {
		if len(l) > 12 {
			t.Errorf("line %q is wider than 12", l)
		}
	}
	if got := wrap("Supercalifragilistic", 8, 3, width); strings.Join(got, "|") != "Supercal|ifragili|stic" {
		t.Errorf("wrap long word = %q", got)
	}
	if got := wrap("", 8, 2, width); len(got) != 0 {
		t.Errorf("wrap empty = %q", got)
	}
}

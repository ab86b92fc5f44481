package label

import (
	"errors"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

const base = "https://trace.example.com"

var (
	cement  = models.Product{ID: "cem-425", Name: "P.O 42.5 Portland cement", GTIN: "6927583100016"}
	gtin8   = models.Product{ID: "g8", Name: "Small thing", GTIN: "96385074"}
	noGTIN  = models.Product{ID: "sand", Name: "Washed river sand"}
	badGTIN = models.Product{ID: "bad", Name: "Typo", GTIN: "6927583100012"}
)

func TestPathRule(t *testing.T) {
	if err := models.ValidateGTIN("gtin", cement.GTIN); err != nil {
		t.Fatalf("fixture gtin: %v", err)
	}
	tests := []struct {
		name string
		b    models.Batch
		p    models.Product
		want string
	}{
		{"gtin and lot", models.Batch{Code: "CM-0001", LotNumber: "L2403A"}, cement, "/01/06927583100016/10/L2403A"},
		{"gtin, code as lot", models.Batch{Code: "CM-0001"}, cement, "/01/06927583100016/10/CM-0001"},
		{"gtin-8 padded", models.Batch{Code: "X1"}, gtin8, "/01/00000096385074/10/X1"},
		{"no gtin", models.Batch{Code: "SA-7", LotNumber: "L1"}, noGTIN, "/b/SA-7"},
		{"bad check digit", models.Batch{Code: "T-1"}, badGTIN, "/b/T-1"},
		{"lot too long", models.Batch{Code: "C", LotNumber: strings.Repeat("9", 21)}, cement, "/b/C"},
		{"code too long", models.Batch{Code: strings.Repeat("c", 21)}, cement, "/b/" + strings.Repeat("c", 21)},
		{"lot outside cset 82", models.Batch{Code: "C2", LotNumber: "lot 7"}, cement, "/b/C2"},
		{"lot non-ascii", models.Batch{Code: "C3", LotNumber: "批号7"}, cement, "/b/C3"},
		{"split child shares lot", models.Batch{Code: "CM-0001.2", LotNumber: "L2403A", Lineage: models.LineageSplit,
			Parents: []models.BatchInput{{Code: "CM-0001"}}}, cement, "/b/CM-0001.2"},
		{"split child own code", models.Batch{Code: "CM-0001.2", Lineage: models.LineageSplit,
			Parents: []models.BatchInput{{Code: "CM-0001"}}}, cement, "/01/06927583100016/10/CM-0001.2"},
		{"merge keeps own lot", models.Batch{Code: "M1", LotNumber: "MX", Lineage: models.LineageMerge}, cement, "/01/06927583100016/10/MX"},
		{"escaped lot", models.Batch{Code: "C4", LotNumber: `a/b%c"d?e&f+g'(`}, cement, "/01/06927583100016/10/a%2Fb%25c%22d%3Fe%26f%2Bg%27%28"},
		{"'#' is not cset 82", models.Batch{Code: "C5", LotNumber: "A#1"}, cement, "/b/C5"},
		{"escaped code", models.Batch{Code: "odd code/1"}, noGTIN, "/b/odd%20code%2F1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Path(tt.b, tt.p); got != tt.want {
				t.Errorf("Path = %q, want %q", got, tt.want)
			}
			if got, want := URI(base+"/", tt.b, tt.p), base+tt.want; got != want {
				t.Errorf("URI = %q, want %q", got, want)
			}
		})
	}
}

func TestCSet82(t *testing.T) {
	if len(CSet82) != 82 {
		t.Fatalf("CSet82 has %d characters", len(CSet82))
	}
	n := 0
	for c := 0; c < 256; c++ {
		if cset82(byte(c)) {
			n++
			if !strings.ContainsRune(CSet82, rune(c)) {
				t.Errorf("cset82(%q) but not in CSet82", rune(c))
			}
		}
	}
	if n != 82 {
		t.Errorf("cset82 accepts %d bytes, want 82", n)
	}
}

// lots returns lots covering every CSet 82 character in every position
// class (alone, first, middle, last, repeated to 20) plus random ones.
func lots() []string {
	var out []string
	for i := 0; i < len(CSet82); i++ {
		c := CSet82[i : i+1]
		out = append(out, c, c+"x", "x"+c+"y", "9"+c, strings.Repeat(c, MaxLot))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, 1+r.IntN(MaxLot))
		for i := range b {
			b[i] = CSet82[r.IntN(len(CSet82))]
		}
		out = append(out, string(b))
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	for _, p := range []models.Product{cement, gtin8} {
		for _, lot := range lots() {
			b := models.Batch{Code: "B-1", LotNumber: lot}
			u := URI(base, b, p)
			if !strings.HasPrefix(u, base+"/01/") {
				t.Fatalf("lot %q: URI %q is not a digital link", lot, u)
			}
			if _, err := url.Parse(u); err != nil {
				t.Fatalf("lot %q: URI %q does not parse: %v", lot, u, err)
			}
			for _, in := range []string{u, u[len(base):], u[len(base):] + "?linkType=gs1:traceability", u[len(base):] + "/21/S1"} {
				g, l, err := ParseDigitalLink(in)
				if err != nil {
					t.Fatalf("lot %q: ParseDigitalLink(%q): %v", lot, in, err)
				}
				if g != models.GTIN14(p.GTIN) || l != lot {
					t.Fatalf("lot %q: ParseDigitalLink(%q) = %q, %q", lot, in, g, l)
				}
				if !Matches(b, p, g, l) {
					t.Fatalf("lot %q: Matches is false for its own link", lot)
				}
			}
		}
	}
}

func TestParseDigitalLink(t *testing.T) {
	ok := []struct{ in, gtin, lot string }{
		{"/01/06927583100016/10/ABC", "06927583100016", "ABC"},
		{"/01/6927583100016/10/ABC", "06927583100016", "ABC"}, // GTIN-13 in the path
		{"/01/96385074/10/A%2FB", "00000096385074", "A/B"},
		{"/trace/01/06927583100016/10/ABC", "06927583100016", "ABC"}, // prefix path
		{"/01/06927583100016/22/2A/10/ABC#top", "06927583100016", "ABC"},
		{"/01/06927583100016/10/A+B", "06927583100016", "A+B"},
	}
	for _, tt := range ok {
		g, l, err := ParseDigitalLink(tt.in)
		if err != nil || g != tt.gtin || l != tt.lot {
			t.Errorf("ParseDigitalLink(%q) = %q, %q, %v; want %q, %q", tt.in, g, l, err, tt.gtin, tt.lot)
		}
	}
	bad := []string{
		"", "/", "/b/CM-1", "/01/06927583100012/10/ABC", // wrong check digit
		"/01/0692758310001/10/ABC", "/01/06927583100016", "/01/06927583100016/21/S",
		"/01/06927583100016/10/", "/01/06927583100016/10/" + strings.Repeat("A", 21),
		"/01/06927583100016/10/a%20b", "/01/06927583100016/10/A%231", "/01/06927583100016/10/%zz", "/01/06927583100016/10/%E6%89%B9",
		"https://h/%zz/01/06927583100016/10/A b",
	}
	for _, in := range bad {
		_, _, err := ParseDigitalLink(in)
		var me *models.Error
		if !errors.As(err, &me) || !errors.Is(err, models.ErrInvalid) {
			t.Errorf("ParseDigitalLink(%q) err = %v, want a *models.Error of kind invalid", in, err)
		}
	}
	if _, _, err := ParseDigitalLink("/01/06927583100012/10/ABC"); err == nil || !strings.Contains(err.Error(), "check digit") {
		t.Errorf("wrong check digit: err = %v", err)
	}
}

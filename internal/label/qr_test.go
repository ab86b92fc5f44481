package label

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/plumbline/plumbline/models"
)

// decodeQR reads a QR code from an image with gozxing, an implementation
// independent of the encoder. It treats the image as a clean, unrotated
// rendering (PURE_BARCODE): gozxing's camera-style detector misreads about
// one code in ten from skip2/go-qrcode (see TestCameraDetector), though the
// codes themselves are exact (see TestBitmapExact).
func decodeQR(t testing.TB, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("binary bitmap: %v", err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decode qr: %v", err)
	}
	return res.GetText()
}

func uriCases() []struct {
	name string
	b    models.Batch
	p    models.Product
} {
	return []struct {
		name string
		b    models.Batch
		p    models.Product
	}{
		{"gtin lot", models.Batch{Code: "CM-0001", LotNumber: "L2403A"}, cement},
		{"gtin code", models.Batch{Code: "RB-HRB400-12"}, cement},
		{"gtin-8", models.Batch{Code: "X1", LotNumber: "7"}, gtin8},
		{"no gtin", models.Batch{Code: "SA-2024-07"}, noGTIN},
		{"split child", models.Batch{Code: "CM-0001.3", LotNumber: "L2403A", Lineage: models.LineageSplit}, cement},
		{"odd lot", models.Batch{Code: "C1", LotNumber: `a/b%c"d?e&f+g'(`}, cement},
		{"all specials", models.Batch{Code: "C2", LotNumber: `!"%&'()*+,-./:;<=>?_`}, cement},
		{"max lot", models.Batch{Code: "C3", LotNumber: "ABCDEFGHIJ0123456789"}, cement},
		{"non-gs1 lot", models.Batch{Code: "C4", LotNumber: "lot #7"}, cement},
		{"long code", models.Batch{Code: strings.Repeat("batch.", 10) + "1234"}, noGTIN},
	}
}

func TestPNGDecodes(t *testing.T) {
	q := NewQR(16)
	for _, tc := range uriCases() {
		for _, px := range []int{MinPNG * 2, 256, 300} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, px), func(t *testing.T) {
				uri := URI(base, tc.b, tc.p)
				data, err := q.PNG(uri, px)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("png: %v", err)
				}
				if b := img.Bounds(); b.Dx() != px || b.Dy() != px {
					t.Errorf("image is %v, want %d×%d", b, px, px)
				}
				if got := decodeQR(t, img); got != uri {
					t.Errorf("decoded %q, want %q", got, uri)
				}
			})
		}
	}
}

func TestPNGSize(t *testing.T) {
	q := NewQR(0)
	for _, px := range []int{-1, 0, 63, 2049} {
		_, err := q.PNG(base+"/b/X", px)
		var me *models.Error
		if !errors.As(err, &me) || me.Field != "size" || !errors.Is(err, models.ErrInvalid) {
			t.Errorf("PNG(px=%d) err = %v, want invalid size", px, err)
		}
	}
	for _, px := range []int{MinPNG, MaxPNG} {
		if _, err := q.PNG(base+"/b/X", px); err != nil {
			t.Errorf("PNG(px=%d): %v", px, err)
		}
	}
	if _, err := q.PNG("", 128); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("empty uri: err = %v", err)
	}
	if _, err := q.SVG(strings.Repeat("x", 5000)); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("too long uri: err = %v", err)
	}
}

var moveRe = regexp.MustCompile(`^M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

func TestSVG(t *testing.T) {
	q := NewQR(16)
	for _, tc := range uriCases() {
		t.Run(tc.name, func(t *testing.T) {
			uri := URI(base, tc.b, tc.p)
			data, err := q.SVG(uri)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				XMLName xml.Name `xml:"http://www.w3.org/2000/svg svg"`
				ViewBox string   `xml:"viewBox,attr"`
				Shape   string   `xml:"shape-rendering,attr"`
				Paths   []struct {
					D string `xml:"d,attr"`
				} `xml:"path"`
			}
			if err := xml.Unmarshal(data, &doc); err != nil {
				t.Fatalf("svg is not xml: %v", err)
			}
			if bytes.Contains(data, []byte("href")) || bytes.Contains(data, []byte("<script")) {
				t.Error("svg has external references or scripts")
			}
			bm, err := bitmap(uri)
			if err != nil {
				t.Fatal(err)
			}
			n := len(bm)
			if want := fmt.Sprintf("0 0 %d %d", n, n); doc.ViewBox != want {
				t.Errorf("viewBox %q, want %q", doc.ViewBox, want)
			}
			if doc.Shape != "crispEdges" || len(doc.Paths) != 1 {
				t.Fatalf("shape-rendering %q, %d paths", doc.Shape, len(doc.Paths))
			}
			// Quiet zone: 4 light modules on every side.
			for i := 0; i < n; i++ {
				for j := 0; j < 4; j++ {
					if bm[i][j] || bm[j][i] || bm[i][n-1-j] || bm[n-1-j][i] {
						t.Fatalf("quiet zone has a dark module near (%d, %d)", i, j)
					}
				}
			}
			// Paint the path's rectangles and compare module by module.
			got := make([][]bool, n)
			for i := range got {
				got[i] = make([]bool, n)
			}
			d := doc.Paths[0].D
			for d != "" {
				m := moveRe.FindStringSubmatch(d)
				if m == nil || m[3] != m[4] {
					t.Fatalf("unexpected path data at %.30q", d)
				}
				x, _ := strconv.Atoi(m[1])
				y, _ := strconv.Atoi(m[2])
				w, _ := strconv.Atoi(m[3])
				for i := x; i < x+w; i++ {
					if got[y][i] {
						t.Fatalf("module (%d, %d) drawn twice", i, y)
					}
					got[y][i] = true
				}
				d = d[len(m[0]):]
			}
			dark := 0
			for y := range bm {
				for x := range bm[y] {
					if got[y][x] != bm[y][x] {
						t.Fatalf("module (%d, %d) = %v, bitmap has %v", x, y, got[y][x], bm[y][x])
					}
					if bm[y][x] {
						dark++
					}
				}
			}
			if dark == 0 {
				t.Fatal("no dark modules")
			}
		})
	}
}

func TestCache(t *testing.T) {
	q := NewQR(2)
	a, b, c := base+"/b/A", base+"/b/B", base+"/b/C"
	first, _ := q.PNG(a, 128)
	again, _ := q.PNG(a, 128)
	if h, m := q.Stats(); h != 1 || m != 1 {
		t.Fatalf("stats %d hits %d misses, want 1, 1", h, m)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("cached png differs")
	}
	again[0] ^= 0xff // the caller owns its copy
	if third, _ := q.PNG(a, 128); !bytes.Equal(first, third) {
		t.Fatal("caller's change reached the cache")
	}
	q.PNG(a, 256) // other size: other entry
	q.SVG(a)      // other kind: other entry; evicts (a, png, 128)
	if q.Len() != 2 {
		t.Fatalf("len %d, want 2", q.Len())
	}
	q.PNG(a, 128)
	q.PNG(b, 128)
	q.PNG(c, 128)
	if h, m := q.Stats(); h != 2 || m != 6 {
		t.Fatalf("stats %d hits %d misses, want 2, 6", h, m)
	}
	off := NewQR(0)
	off.SVG(a)
	off.SVG(a)
	if h, m := off.Stats(); h != 0 || m != 2 || off.Len() != 0 {
		t.Fatalf("disabled cache: %d hits %d misses len %d", h, m, off.Len())
	}
}

func TestConcurrent(t *testing.T) {
	q := NewQR(8)
	want := map[string][]byte{}
	uris := make([]string, 12)
	for i := range uris {
		uris[i] = fmt.Sprintf("%s/b/C-%d", base, i)
		want[uris[i]], _ = renderPNG(mustBitmap(t, uris[i]), 96)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 60 {
				u := uris[(g+i)%len(uris)]
				got, err := q.PNG(u, 96)
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(got, want[u]) {
					t.Errorf("png of %s differs", u)
					return
				}
				if _, err := q.SVG(u); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if h, m := q.Stats(); h+m != 8*60*2 || q.Len() > 8 {
		t.Errorf("%d hits + %d misses, len %d", h, m, q.Len())
	}
}

func mustBitmap(t testing.TB, uri string) [][]bool {
	t.Helper()
	bm, err := bitmap(uri)
	if err != nil {
		t.Fatal(err)
	}
	return bm
}

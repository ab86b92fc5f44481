package label

import (
	"fmt"
	"image"
	"image/color"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

func manyURIs() []string {
	var out []string
	for _, tc := range uriCases() {
		out = append(out, URI(base, tc.b, tc.p))
	}
	for i := range 300 {
		out = append(out, fmt.Sprintf("%s/01/06927583100016/10/CM-%04d", base, i))
	}
	return out
}

// TestBitmapExact decodes the module matrix itself with gozxing's decoder:
// level M, and not a single codeword needing error correction.
func TestBitmapExact(t *testing.T) {
	for _, uri := range manyURIs() {
		bm := mustBitmap(t, uri)
		symbol := make([][]bool, 0, len(bm)-8)
		for _, row := range bm[4 : len(bm)-4] {
			symbol = append(symbol, row[4:len(row)-4])
		}
		res, err := decoder.NewDecoder().DecodeBoolMapWithoutHint(symbol)
		if err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
		if res.GetText() != uri || res.GetECLevel() != "M" || res.GetErrorsCorrected() != 0 {
			t.Fatalf("%s: decoded %q, level %s, %d errors corrected", uri, res.GetText(), res.GetECLevel(), res.GetErrorsCorrected())
		}
	}
}

// TestCameraDetector measures how often gozxing's general detector (the
// one it uses on photos) reads our codes, as a guard against a regression;
// skip2's mask choice sometimes leaves finder-like patterns it trips on.
func TestCameraDetector(t *testing.T) {
	uris := manyURIs()
	failed := 0
	for _, uri := range uris {
		bm := mustBitmap(t, uri)
		const s = 8
		img := image.NewGray(image.Rect(0, 0, len(bm)*s, len(bm)*s))
		for y := range img.Bounds().Dy() {
			for x := range img.Bounds().Dx() {
				c := uint8(255)
				if bm[y/s][x/s] {
					c = 0
				}
				img.SetGray(x, y, color.Gray{c})
			}
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
		if err != nil || res.GetText() != uri {
			failed++
		}
	}
	t.Logf("camera-style detector missed %d of %d codes", failed, len(uris))
	if failed*4 > len(uris) {
		t.Errorf("camera-style detector missed %d of %d codes", failed, len(uris))
	}
}

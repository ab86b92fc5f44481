package label

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image/png"
	"regexp"
	"strconv"
	"testing"
)

// pdfImages returns the greyscale image XObjects of a PDF written by fpdf,
// rebuilt as PNG files: fpdf copies a PNG's IDAT data into the stream
// unchanged.
func pdfImages(t *testing.T, pdf []byte) [][]byte {
	t.Helper()
	dictRe := regexp.MustCompile(`(?s)/Subtype /Image\s*/Width (\d+)\s*/Height (\d+)\s*/ColorSpace /DeviceGray\s*/BitsPerComponent (\d+).*?/Length (\d+)\s*>>\s*stream\r?\n`)
	var out [][]byte
	for _, m := range dictRe.FindAllSubmatchIndex(pdf, -1) {
		num := func(k int) int {
			n, _ := strconv.Atoi(string(pdf[m[2*k]:m[2*k+1]]))
			return n
		}
		w, h, bpc, length := num(1), num(2), num(3), num(4)
		data := pdf[m[1] : m[1]+length]

		var ihdr [13]byte
		binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
		binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
		ihdr[8] = byte(bpc) // colour type 0: grey
		var b bytes.Buffer
		b.WriteString("\x89PNG\r\n\x1a\n")
		for _, c := range []struct {
			typ  string
			data []byte
		}{{"IHDR", ihdr[:]}, {"IDAT", data}, {"IEND", nil}} {
			binary.Write(&b, binary.BigEndian, uint32(len(c.data)))
			crc := crc32.NewIEEE()
			crc.Write([]byte(c.typ))
			crc.Write(c.data)
			b.WriteString(c.typ)
			b.Write(c.data)
			binary.Write(&b, binary.BigEndian, crc.Sum32())
		}
		out = append(out, b.Bytes())
	}
	return out
}

// TestSheetQRDecodes reads every QR code back out of the PDF and decodes it
// with gozxing.
func TestSheetQRDecodes(t *testing.T) {
	labels := demoLabels(5)
	var buf bytes.Buffer
	if err := Sheet(&buf, labels, SheetOptions{Uncompressed: true}); err != nil {
		t.Fatal(err)
	}
	imgs := pdfImages(t, buf.Bytes())
	if len(imgs) != len(labels) {
		t.Fatalf("%d images, want %d", len(imgs), len(labels))
	}
	// fpdf writes image objects in its own order; compare as sets.
	want := map[string]bool{}
	for _, lb := range labels {
		want[lb.URI] = true
	}
	for i, data := range imgs {
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		got := decodeQR(t, img)
		if !want[got] {
			t.Errorf("image %d decodes to %q, not a label's uri or a repeat", i, got)
		}
		delete(want, got)
	}
}

package label

import (
	"io"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/plumbline/plumbline/models"
)

var benchURI = URI(base, models.Batch{Code: "CM-0001", LotNumber: "L2403A"}, cement)

func BenchmarkPNG256Uncached(b *testing.B) {
	q := NewQR(0)
	for b.Loop() {
		if _, err := q.PNG(benchURI, 256); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPNG256Cached(b *testing.B) {
	q := NewQR(16)
	for b.Loop() {
		if _, err := q.PNG(benchURI, 256); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSkip2PNG256 is skip2's own PNG path, for comparison.
func BenchmarkSkip2PNG256(b *testing.B) {
	for b.Loop() {
		if _, err := qrcode.Encode(benchURI, qrcode.Medium, 256); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSVGUncached(b *testing.B) {
	q := NewQR(0)
	for b.Loop() {
		if _, err := q.SVG(benchURI); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSheet24(b *testing.B) {
	labels := demoLabels(24)
	for b.Loop() {
		if err := Sheet(io.Discard, labels, SheetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSheet24Cached(b *testing.B) {
	labels := demoLabels(24)
	opt := SheetOptions{QR: NewQR(64)}
	for b.Loop() {
		if err := Sheet(io.Discard, labels, opt); err != nil {
			b.Fatal(err)
		}
	}
}

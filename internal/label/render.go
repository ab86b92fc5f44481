package label

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"sync"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/plumbline/plumbline/models"
)

// QR codes use error correction level M (recovers ~15% damage): a fair
// trade between size and robustness for labels on site.
const level = qrcode.Medium

// bitmap encodes uri and returns its modules, 4-module quiet zone included;
// bitmap[y][x] is true for a dark module.
func bitmap(uri string) ([][]bool, error) {
	if uri == "" {
		return nil, models.Invalid("uri", "is required")
	}
	q, err := qrcode.New(uri, level)
	if err != nil {
		return nil, models.Invalid("uri", "cannot be encoded as a qr code: %v", err)
	}
	return q.Bitmap(), nil
}

var (
	palette    = color.Palette{color.White, color.Black}
	pngEncoder = png.Encoder{CompressionLevel: png.DefaultCompression, BufferPool: &bufferPool{}}
)

// bufferPool lets concurrent encodes reuse the encoder's buffers.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() *png.EncoderBuffer {
	v, _ := b.p.Get().(*png.EncoderBuffer)
	return v
}

func (b *bufferPool) Put(v *png.EncoderBuffer) { b.p.Put(v) }

// renderPNG draws bm as a 1-bit PNG px pixels square. Every module is the
// same whole number of pixels, the leftover is split as extra white margin
// on both sides, so edges stay sharp. When px is smaller than one pixel per
// module the image grows to one pixel per module. px ≤ 0 means exactly
// -px pixels per module (at least 1) and no extra margin.
func renderPNG(bm [][]bool, px int) ([]byte, error) {
	n := len(bm)
	scale := 1
	switch {
	case px <= 0:
		scale = max(1, -px)
		px = n * scale
	case px >= n:
		scale = px / n
	default:
		px = n
	}
	off := (px - n*scale) / 2
	img := image.NewPaletted(image.Rect(0, 0, px, px), palette)
	for y, row := range bm {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				o := img.PixOffset(off+x*scale, off+y*scale+dy)
				line := img.Pix[o : o+scale]
				for i := range line {
					line[i] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// renderSVG draws bm as a standalone SVG: a white background and one
// <path> of dark modules, one unit per module, runs of dark modules in a row
// merged into one rectangle. No external references, no fonts, no scripts.
func renderSVG(bm [][]bool) []byte {
	n := strconv.Itoa(len(bm))
	var b bytes.Buffer
	b.Grow(64 * len(bm))
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 ` + n + ` ` + n +
		`" shape-rendering="crispEdges">` + "\n")
	b.WriteString(`<rect width="` + n + `" height="` + n + `" fill="#fff"/>` + "\n")
	b.WriteString(`<path fill="#000" d="`)
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			r := strconv.Itoa(run)
			b.WriteString("M" + strconv.Itoa(x) + " " + strconv.Itoa(y) + "h" + r + "v1h-" + r + "z")
			x += run
		}
	}
	b.WriteString(`"/>` + "\n</svg>\n")
	return b.Bytes()
}

package label

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
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

// renderPNG draws bm as a 1-bit greyscale PNG px pixels square. Every
// module is the same whole number of pixels, the leftover is split as extra
// white margin on both sides, so edges stay sharp. When px is smaller than
// one pixel per module the image grows to one pixel per module. px ≤ 0
// means exactly -px pixels per module (at least 1) and no extra margin.
//
// The PNG is written directly (image/png goes through a per-pixel
// interface call for a 1-bit image, which was most of the cost).
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
	stride := 1 + (px+7)/8 // filter byte + packed bits

	// Raw image data: one filter byte (0, none) per row, then bits, 1 = white.
	raw := make([]byte, stride*px)
	white := make([]byte, stride)
	for i := 1; i < stride; i++ {
		white[i] = 0xff
	}
	for y := 0; y < px; y++ {
		copy(raw[y*stride:], white)
	}
	for my, row := range bm {
		line := raw[(off+my*scale)*stride : (off+my*scale+1)*stride]
		for mx, dark := range row {
			if !dark {
				continue
			}
			for x := off + mx*scale; x < off+(mx+1)*scale; x++ {
				line[1+x/8] &^= 0x80 >> (x % 8)
			}
		}
		for dy := 1; dy < scale; dy++ {
			copy(raw[(off+my*scale+dy)*stride:], line)
		}
	}

	var z bytes.Buffer
	zw := zlibPool.Get().(*zlib.Writer)
	defer zlibPool.Put(zw)
	zw.Reset(&z)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("compress png: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress png: %w", err)
	}

	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(px))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(px))
	ihdr[8] = 1 // bit depth; colour type 0 (grey), deflate, no filter, no interlace
	out := bytes.NewBuffer(make([]byte, 0, z.Len()+64))
	out.WriteString("\x89PNG\r\n\x1a\n")
	pngChunk(out, "IHDR", ihdr[:])
	pngChunk(out, "IDAT", z.Bytes())
	pngChunk(out, "IEND", nil)
	return out.Bytes(), nil
}

var zlibPool = sync.Pool{New: func() any { return zlib.NewWriter(nil) }}

func pngChunk(w *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	w.Write(n[:])
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

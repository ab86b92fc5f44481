package label

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/plumbline/plumbline/models"
)

// PNG size limits in pixels.
const (
	MinPNG = 64
	MaxPNG = 2048
)

// QR renders QR codes of URIs as PNG or SVG and keeps the most recently
// used results in a bounded LRU cache: a batch's code never changes, so
// neither does its QR code. A QR is safe for concurrent use.
type QR struct {
	mu      sync.Mutex
	max     int
	entries map[cacheKey]*list.Element
	order   *list.List // front = most recently used; values are *cacheEntry

	hits, misses atomic.Uint64
}

type kind uint8

const (
	kindPNG   kind = iota + 1
	kindSVG        // px is 0
	kindSheet      // a PNG at a whole number of pixels per module; px is that number, negated
)

type cacheKey struct {
	uri  string
	kind kind
	px   int
}

type cacheEntry struct {
	key  cacheKey
	data []byte
}

// NewQR returns a renderer that caches up to entries images; entries ≤ 0
// turns the cache off.
func NewQR(entries int) *QR {
	return &QR{max: entries, entries: map[cacheKey]*list.Element{}, order: list.New()}
}

// PNG returns the QR code of uri as a px × px black-and-white PNG,
// error correction level M, quiet zone of at least 4 modules. px must be
// MinPNG–MaxPNG, else a models.Invalid error on field "size". Modules are
// whole pixels; the leftover becomes extra margin. The caller owns the
// returned slice.
func (q *QR) PNG(uri string, px int) ([]byte, error) {
	if px < MinPNG || px > MaxPNG {
		return nil, models.Invalid("size", "must be %d-%d pixels (got %d)", MinPNG, MaxPNG, px)
	}
	return q.get(cacheKey{uri, kindPNG, px}, func(bm [][]bool) ([]byte, error) { return renderPNG(bm, px) })
}

// SVG returns the QR code of uri as a standalone SVG document: viewBox in
// modules (quiet zone of 4 modules included), one <path> of dark modules,
// shape-rendering crispEdges, no external references. The caller owns the
// returned slice.
func (q *QR) SVG(uri string) ([]byte, error) {
	return q.get(cacheKey{uri, kindSVG, 0}, func(bm [][]bool) ([]byte, error) { return renderSVG(bm), nil })
}

// modulePNG returns a PNG of uri at exactly scale pixels per module, for
// embedding where the consumer scales the image (the PDF sheet).
func (q *QR) modulePNG(uri string, scale int) ([]byte, error) {
	return q.get(cacheKey{uri, kindSheet, -scale}, func(bm [][]bool) ([]byte, error) { return renderPNG(bm, -scale) })
}

// Stats returns how many requests the cache answered and how many it had
// to render.
func (q *QR) Stats() (hits, misses uint64) { return q.hits.Load(), q.misses.Load() }

// Len returns the number of cached images.
func (q *QR) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.order.Len()
}

// get returns a copy of the cached image for k, rendering and caching it on
// a miss. Rendering happens outside the lock; two goroutines missing on the
// same key both render, and the first to finish is kept.
func (q *QR) get(k cacheKey, render func([][]bool) ([]byte, error)) ([]byte, error) {
	if data, ok := q.lookup(k); ok {
		q.hits.Add(1)
		return data, nil
	}
	q.misses.Add(1)
	bm, err := bitmap(k.uri)
	if err != nil {
		return nil, err
	}
	data, err := render(bm)
	if err != nil {
		return nil, err
	}
	q.store(k, data)
	return clone(data), nil
}

func (q *QR) lookup(k cacheKey) ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e, ok := q.entries[k]; ok {
		q.order.MoveToFront(e)
		return clone(e.Value.(*cacheEntry).data), true
	}
	return nil, false
}

func (q *QR) store(k cacheKey, data []byte) {
	if q.max <= 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.entries[k]; ok {
		return
	}
	q.entries[k] = q.order.PushFront(&cacheEntry{k, data})
	for q.order.Len() > q.max {
		old := q.order.Remove(q.order.Back()).(*cacheEntry)
		delete(q.entries, old.key)
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

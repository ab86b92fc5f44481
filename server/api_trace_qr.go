package server

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/internal/label"
	"github.com/plumbline/plumbline/models"
)

// immutable is the Cache-Control of things that never change for a URL:
// a batch's code, and so its QR code, is fixed forever.
const immutable = "public, max-age=31536000, immutable"

// maxURIs bounds the code → URI cache.
const maxURIs = 100_000

// labelArea serves batch labels: QR codes of their GS1 Digital Link URIs
// and printable label sheets.
type labelArea struct {
	s        *Server
	uris     sync.Map // batch code → Digital Link URI; a code's URI never changes
	uriCount atomic.Int64
}

// uriOf returns the batch's Digital Link URI, cached: it depends only on
// the batch's code and lot and its product's GTIN, none of which change.
func (l *labelArea) uriOf(ctx context.Context, code string) (string, error) {
	if v, ok := l.uris.Load(code); ok {
		return v.(string), nil
	}
	b, err := l.s.opts.Store.Batch(ctx, code)
	if err != nil {
		return "", err
	}
	p, err := l.s.opts.Store.Product(ctx, b.ProductID)
	if err != nil {
		return "", err
	}
	uri := label.URI(l.s.opts.BaseURL, b, p)
	if l.uriCount.Load() < maxURIs {
		if _, loaded := l.uris.LoadOrStore(code, uri); !loaded {
			l.uriCount.Add(1)
		}
	}
	return uri, nil
}

// qrPNG serves GET /api/v1/batches/{code}/qr.png?size=N (64–2048, default
// 256): the batch's QR code. Public, so that a label scans without login.
func (l *labelArea) qrPNG(c *gin.Context) {
	size := 256
	if v := c.Query("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			l.s.fail(c, models.Invalid("size", "%q is not a whole number of pixels (%d-%d)", v, label.MinPNG, label.MaxPNG))
			return
		}
		size = n
	}
	uri, err := l.uriOf(c.Request.Context(), c.Param("code"))
	if err != nil {
		l.s.fail(c, err)
		return
	}
	png, err := l.s.qr.PNG(uri, size)
	if err != nil {
		l.s.fail(c, err)
		return
	}
	c.Header("Cache-Control", immutable)
	c.Data(http.StatusOK, "image/png", png)
}

// qrSVG serves GET /api/v1/batches/{code}/qr.svg.
func (l *labelArea) qrSVG(c *gin.Context) {
	uri, err := l.uriOf(c.Request.Context(), c.Param("code"))
	if err != nil {
		l.s.fail(c, err)
		return
	}
	svg, err := l.s.qr.SVG(uri)
	if err != nil {
		l.s.fail(c, err)
		return
	}
	c.Header("Cache-Control", immutable)
	c.Data(http.StatusOK, "image/svg+xml", svg)
}

// labelsPDF serves GET /api/v1/labels.pdf?batch=A&batch=B: an A4 sheet of
// 3 × 8 labels, one per batch, in the order asked (repeats dropped). Only
// batches the user's organization is involved with may be printed.
func (l *labelArea) labelsPDF(c *gin.Context) {
	pdf, err := l.sheet(c)
	if err != nil {
		l.s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `inline; filename="plumbline-labels.pdf"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// errNoBatchTicked is the label sheet asked for with no batch.
var errNoBatchTicked = models.Invalid("batch", "choose at least one batch (?batch=CODE, repeatable)")

// sheet makes the label sheet the request asks for (?batch=…, ?outline=1).
func (l *labelArea) sheet(c *gin.Context) ([]byte, error) {
	ctx := c.Request.Context()
	codes := uniq(c.QueryArray("batch"))
	if len(codes) == 0 {
		return nil, errNoBatchTicked
	}
	if len(codes) > label.MaxLabels {
		return nil, models.Invalid("batch", "at most %d batches per sheet (got %d)", label.MaxLabels, len(codes))
	}
	orgs, err := l.s.app.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	chk := l.s.viewerChecker(c)
	// The lot's name ("批号", "Lot") in the reader's language, when the
	// label font can print it; the core font prints English only.
	L := l.s.loc(c)
	if len(l.s.opts.LabelFont) == 0 {
		L = l.s.cat.Localizer("en")
	}
	labels := make([]label.Label, 0, len(codes))
	for _, code := range codes {
		d, err := l.s.app.Trace(ctx, code)
		if err != nil {
			return nil, models.Prefix("batch", err)
		}
		involved, err := chk.Involved(ctx, &d.Batch)
		if err != nil {
			return nil, err
		}
		if !involved {
			return nil, models.ForbiddenAt("batch", "your organization has nothing to do with batch %s, so it cannot print its label", code)
		}
		b := d.Batch
		labels = append(labels, label.Label{
			URI: d.URI, Code: b.Code, Product: d.Product.Name, Standard: d.Product.Standard, Lot: lotLine(L, b),
			Quantity: b.Quantity.String() + " " + b.Unit, Producer: orgs[b.Producer].Name, Date: b.ProducedOn,
		})
	}
	var buf bytes.Buffer
	if err := label.Sheet(&buf, labels, label.SheetOptions{QR: l.s.qr, Created: l.s.opts.Now(), Outline: c.Query("outline") == "1", Font: l.s.opts.LabelFont}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// lotLine names the batch's lot and heat numbers for its label: "Lot
// 2604-A17", "Heat J620412", both, or nothing.
func lotLine(L *i18n.Localizer, b models.Batch) string {
	var parts []string
	if b.LotNumber != "" {
		parts = append(parts, L.T("label.lot", "Number", b.LotNumber))
	}
	if b.HeatNumber != "" {
		parts = append(parts, L.T("label.heat", "Number", b.HeatNumber))
	}
	return strings.Join(parts, " · ")
}

// uniq drops empty and repeated strings, keeping the first of each.
func uniq(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

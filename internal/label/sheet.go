package label

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/plumbline/plumbline/models"
)

// Label is what one printed label shows. URI goes into the QR code; the
// other fields are printed beside it. The product name wraps onto as many
// lines as it needs (the text gets smaller to make room, down to 6 pt);
// the other fields take a line each, shortened to fit.
type Label struct {
	URI      string // the batch's Digital Link URI, see URI
	Code     string // batch code, printed in bold
	Product  string // product name, wrapped, never cut short while it fits
	Standard string // the standard the product conforms to, e.g. "GB 175-2023"
	Lot      string // the lot or heat number with its name, e.g. "Heat J620412"
	Quantity string // e.g. "50 t"
	Producer string // producing organization's name
	Date     string // e.g. production date
}

// SheetOptions lays out the label sheet. The zero value prints A4 label
// stock of 3 × 8 labels of 70 × 37 mm.
type SheetOptions struct {
	// Title goes into the PDF's metadata; default "Plumbline batch labels".
	Title string
	// Columns and Rows per page: 1–6 and 1–20; default 3 and 8.
	Columns, Rows int
	// LabelWidth and LabelHeight in mm. Zero: 70 × 37 for the default grid,
	// otherwise the page divided evenly (less the gaps).
	LabelWidth, LabelHeight float64
	// GapX and GapY are the gaps between labels in mm (default none). The
	// grid is centred on the page, which matches most label stock, e.g.
	// 3 × 8 of 63.5 × 33.9 mm with GapX 2.5.
	GapX, GapY float64
	// Outline draws a thin grey frame around each label, for cutting plain
	// paper.
	Outline bool
	// Created is the PDF's creation date; default now.
	Created time.Time
	// QR renders the codes; nil renders without a cache.
	QR *QR
	// Uncompressed leaves page content streams as plain text (larger; for
	// debugging and tests).
	Uncompressed bool
	// Font, when set, is a TrueType font (.ttf) the labels are set in, so
	// that any text it has glyphs for prints — Chinese product and company
	// names with a CJK font such as Droid Sans Fallback. Without it labels
	// use the PDF's core Helvetica, which has Windows-1252 characters only.
	Font []byte
}

// Page and layout constants, in mm.
const (
	pageW, pageH = 210.0, 297.0
	pad          = 2.5  // inside each label
	minQR        = 22.0 // smallest QR image, quiet zone included
	minText      = 20.0 // narrowest text column
	// MaxLabels bounds one sheet document (about 200 pages).
	MaxLabels = 5000
	qrScale   = 8 // PNG pixels per module for the embedded images
)

// layout is SheetOptions resolved and checked.
type layout struct {
	cols, rows   int
	w, h, gx, gy float64
	left, top    float64
	qr           float64 // QR image side
}

func (o SheetOptions) layout() (layout, error) {
	l := layout{cols: o.Columns, rows: o.Rows, w: o.LabelWidth, h: o.LabelHeight, gx: o.GapX, gy: o.GapY}
	if l.cols == 0 && l.rows == 0 && l.w == 0 && l.h == 0 {
		l.cols, l.rows, l.w, l.h = 3, 8, 70, 37
	}
	if l.cols == 0 {
		l.cols = 3
	}
	if l.rows == 0 {
		l.rows = 8
	}
	switch {
	case l.cols < 1 || l.cols > 6:
		return l, models.Invalid("columns", "must be 1-6 (got %d)", l.cols)
	case l.rows < 1 || l.rows > 20:
		return l, models.Invalid("rows", "must be 1-20 (got %d)", l.rows)
	case l.gx < 0 || l.gx > 20 || l.gy < 0 || l.gy > 20:
		return l, models.Invalid("gap", "must be 0-20 mm (got %g × %g)", l.gx, l.gy)
	case l.w < 0 || l.h < 0:
		return l, models.Invalid("label_size", "must not be negative")
	}
	if l.w == 0 {
		l.w = (pageW - float64(l.cols-1)*l.gx) / float64(l.cols)
	}
	if l.h == 0 {
		l.h = (pageH - float64(l.rows-1)*l.gy) / float64(l.rows)
	}
	gridW := float64(l.cols)*l.w + float64(l.cols-1)*l.gx
	gridH := float64(l.rows)*l.h + float64(l.rows-1)*l.gy
	if gridW > pageW+0.01 || gridH > pageH+0.01 {
		return l, models.Invalid("label_size", "%d × %d labels of %g × %g mm need %.1f × %.1f mm, more than A4",
			l.cols, l.rows, l.w, l.h, gridW, gridH)
	}
	l.left, l.top = (pageW-gridW)/2, (pageH-gridH)/2
	l.qr = min(l.h-2*pad, 0.42*l.w)
	if l.qr < minQR || l.w-2*pad-l.qr < minText {
		return l, models.Invalid("label_size", "%g × %g mm labels are too small for a %g mm qr code and text", l.w, l.h, minQR)
	}
	return l, nil
}

// Sheet writes an A4 portrait PDF of labels to w, as many pages as needed,
// left to right and top to bottom. Each label has the QR code of its URI
// (at least 22 mm, PNG) and beside it the batch code in bold, the product
// (wrapped), its standard, the lot or heat number, quantity, producer and
// date. With
// SheetOptions.Font the text is set in that font; without it, text is
// limited to Windows-1252 characters and others are transliterated or
// replaced by '?' (see pdfText). Bad options or labels are *models.Error
// values.
func Sheet(w io.Writer, labels []Label, opt SheetOptions) error {
	l, err := opt.layout()
	if err != nil {
		return err
	}
	if len(labels) == 0 {
		return models.Invalid("labels", "is empty")
	}
	if len(labels) > MaxLabels {
		return models.Invalid("labels", "at most %d per sheet (got %d)", MaxLabels, len(labels))
	}
	q := opt.QR
	if q == nil {
		q = NewQR(0)
	}
	title := opt.Title
	if title == "" {
		title = "Plumbline batch labels"
	}
	created := opt.Created
	if created.IsZero() {
		created = time.Now()
	}

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(!opt.Uncompressed)
	pdf.SetTitle(title, true)
	pdf.SetCreator("Plumbline", true)
	pdf.SetCreationDate(created)
	pdf.SetCatalogSort(true)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	tf := helvetica
	if len(opt.Font) > 0 {
		pdf.AddUTF8FontFromBytes("label", "", opt.Font)
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("label: load font: %w", err)
		}
		tf = typeface{mixed: true, ellipsis: "…"}
	}

	images := map[string]string{} // uri → registered image name
	perPage := l.cols * l.rows
	for i, lb := range labels {
		img, ok := images[lb.URI]
		if !ok {
			data, err := q.modulePNG(lb.URI, qrScale)
			if err != nil {
				return models.Prefix("labels["+strconv.Itoa(i)+"]", err)
			}
			img = "qr" + strconv.Itoa(len(images))
			pdf.RegisterImageOptionsReader(img, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(data))
			images[lb.URI] = img
		}
		n := i % perPage
		if n == 0 {
			pdf.AddPage()
		}
		x := l.left + float64(n%l.cols)*(l.w+l.gx)
		y := l.top + float64(n/l.cols)*(l.h+l.gy)
		drawLabel(pdf, l, x, y, img, lb, opt.Outline, tf)
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("label: draw label %d: %w", i, err)
		}
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("label: write pdf: %w", err)
	}
	return nil
}

package label

import (
	"github.com/go-pdf/fpdf"
)

// Text styles: font size in points and line height in mm.
var (
	codeStyle = textStyle{"B", 9, 4.2}
	bodyStyle = textStyle{"", 7.5, 3.4}
)

type textStyle struct {
	font   string
	size   float64
	height float64
}

// typeface is the font family labels are set in and how text reaches it:
// the core Helvetica (Windows-1252 only) or a Unicode TrueType font.
type typeface struct {
	family   string
	text     func(string) string // UTF-8 in, the font's encoding out
	ellipsis string
}

var helvetica = typeface{family: "Helvetica", text: pdfText, ellipsis: ellipsis}

// drawLabel draws one label with its top-left corner at (x, y).
func drawLabel(pdf *fpdf.Fpdf, l layout, x, y float64, img string, lb Label, outline bool, tf typeface) {
	if outline {
		pdf.SetDrawColor(190, 190, 190)
		pdf.SetLineWidth(0.1)
		pdf.Rect(x, y, l.w, l.h, "D")
	}
	// The image's own quiet zone separates the code from the text.
	qy := y + (l.h-l.qr)/2
	pdf.ImageOptions(img, x+pad, qy, l.qr, l.qr, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")

	tx := x + pad + l.qr
	tw := x + l.w - pad - tx
	bottom := y + l.h - pad
	ty := qy + 1.5
	line := func(s textStyle, text string) bool {
		if ty+s.height > bottom {
			return false
		}
		pdf.SetXY(tx, ty)
		pdf.CellFormat(tw, s.height, text, "", 0, "L", false, 0, "")
		ty += s.height
		return true
	}
	width := func(s string) float64 { return pdf.GetStringWidth(s) }

	pdf.SetTextColor(0, 0, 0)
	// Batch codes are ASCII (models.ValidateID) and set in the narrower
	// Helvetica, so that a code fits whole whatever the body font.
	pdf.SetFont(helvetica.family, codeStyle.font, codeStyle.size)
	if !line(codeStyle, fit(pdfText(lb.Code), tw, width)) {
		return
	}
	ty += 0.6
	pdf.SetFont(tf.family, bodyStyle.font, bodyStyle.size)
	for _, p := range wrapWith(tf.text(lb.Product), tw, 2, width, tf.ellipsis) {
		if !line(bodyStyle, p) {
			return
		}
	}
	for _, s := range []string{lb.Quantity, lb.Producer, lb.Date} {
		if s == "" {
			continue
		}
		if !line(bodyStyle, fitWith(tf.text(s), tw, width, tf.ellipsis)) {
			return
		}
	}
}

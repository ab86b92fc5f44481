package label

import (
	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
)

// Text styles: font size in points and line height in mm.
var (
	codeStyle = textStyle{"B", 9, 4.2}
	bodyStyle = textStyle{"", 7.5, 3.4}
	// bodyMin is the smallest body text, in points, a long product name
	// may shrink to.
	bodyMin = 6.0
)

type textStyle struct {
	font   string
	size   float64
	height float64
}

// typeface is how body text is set: in the core Helvetica alone
// (Windows-1252 text only), or mixed — Helvetica for every run of
// characters it has, and a Unicode TrueType font (family "label", e.g. a
// CJK fallback font, which may lack Latin glyphs) for the rest.
type typeface struct {
	mixed    bool
	ellipsis string
}

var helvetica = typeface{ellipsis: ellipsis}

// span is a run of text set in one font.
type span struct {
	text  string // in the font's encoding
	latin bool   // Helvetica; otherwise the Unicode font
}

// spans splits UTF-8 text into runs by the font that has their glyphs.
func spans(s string) []span {
	var out []span
	for _, r := range s {
		t := string(r)
		_, latin := charmap.Windows1252.EncodeRune(r)
		if latin {
			t = cp1252Rune(r)
		}
		if n := len(out); n > 0 && (out[n-1].latin == latin || r == ' ') {
			out[n-1].text += t
			continue
		}
		out = append(out, span{t, latin})
	}
	return out
}

// setter measures and writes body text in a typeface at one size.
type setter struct {
	pdf *fpdf.Fpdf
	tf  typeface
	st  textStyle
}

func (w setter) font(latin bool) {
	if latin || !w.tf.mixed {
		w.pdf.SetFont("Helvetica", w.st.font, w.st.size)
	} else {
		w.pdf.SetFont("label", "", w.st.size)
	}
}

// text converts UTF-8 to what the typeface's text functions take.
func (w setter) text(s string) string {
	if w.tf.mixed {
		return unicodeText(s)
	}
	return pdfText(s)
}

// width measures text (as text returned it) in mm.
func (w setter) width(s string) float64 {
	if !w.tf.mixed {
		w.font(true)
		return w.pdf.GetStringWidth(s)
	}
	var sum float64
	for _, sp := range spans(s) {
		w.font(sp.latin)
		sum += w.pdf.GetStringWidth(sp.text)
	}
	return sum
}

// write sets text at (x, y), run by run.
func (w setter) write(x, y float64, s string) {
	w.pdf.SetXY(x, y)
	if !w.tf.mixed {
		w.font(true)
		w.pdf.CellFormat(0, w.st.height, s, "", 0, "L", false, 0, "")
		return
	}
	for _, sp := range spans(s) {
		w.font(sp.latin)
		w.pdf.CellFormat(w.pdf.GetStringWidth(sp.text), w.st.height, sp.text, "", 0, "L", false, 0, "")
	}
}

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
	// The text starts at the label's top padding, not the code's, so that
	// small labels keep a line more for a long name.
	ty := y + pad + 0.5
	line := func(w setter, text string) bool {
		if ty+w.st.height > bottom {
			return false
		}
		w.write(tx, ty, text)
		ty += w.st.height
		return true
	}

	pdf.SetTextColor(0, 0, 0)
	// Batch codes are ASCII (models.ValidateID), always in Helvetica bold.
	code := setter{pdf: pdf, tf: helvetica, st: codeStyle}
	if !line(code, fit(pdfText(lb.Code), tw, code.width)) {
		return
	}
	ty += 0.6
	// Every field but the product takes one line; the product wraps onto
	// the lines left. When they are too few for the whole name (a long
	// Chinese name: "…（早强型）"), the text gets smaller, down to
	// bodyMin; only then is the name shortened with an ellipsis.
	var fields []string
	for _, s := range []string{lb.Standard, lb.Lot, lb.Quantity, lb.Producer, lb.Date} {
		if s != "" {
			fields = append(fields, s)
		}
	}
	st := bodyStyle
	var product []string
	for size := bodyStyle.size; ; size -= 0.5 {
		st = textStyle{bodyStyle.font, size, size * bodyStyle.height / bodyStyle.size}
		body := setter{pdf: pdf, tf: tf, st: st}
		room := max(int((bottom-ty)/st.height+1e-9)-len(fields), 1)
		var whole bool
		product, whole = wrapLines(body.text(lb.Product), tw, room, body.width, tf.ellipsis)
		if whole || size-0.5 < bodyMin {
			break
		}
	}
	body := setter{pdf: pdf, tf: tf, st: st}
	for _, p := range product {
		if !line(body, p) {
			return
		}
	}
	for _, s := range fields {
		if !line(body, fitWith(body.text(s), tw, body.width, tf.ellipsis)) {
			return
		}
	}
}

package label

import (
	"fmt"

	"github.com/go-pdf/fpdf"
)

// Typeset sets UTF-8 text into any fpdf document the way label sheets do:
// with a Unicode TrueType font (Chinese names print) in the runs the core
// Helvetica lacks, or, without a font, Helvetica alone with other
// characters transliterated or replaced by '?'. Other PDFs (the trace
// report) use it so that every PDF of the app handles text alike.
type Typeset struct {
	pdf *fpdf.Fpdf
	tf  typeface
}

// NewTypeset prepares pdf for text; font is a TrueType font or nil.
func NewTypeset(pdf *fpdf.Fpdf, font []byte) (*Typeset, error) {
	t := &Typeset{pdf: pdf, tf: helvetica}
	if len(font) > 0 {
		pdf.AddUTF8FontFromBytes("label", "", font)
		if err := pdf.Error(); err != nil {
			return nil, fmt.Errorf("label: load font: %w", err)
		}
		t.tf = typeface{mixed: true, ellipsis: "…"}
	}
	return t, nil
}

func (t *Typeset) setter(style string, size float64) setter {
	return setter{pdf: t.pdf, tf: t.tf, st: textStyle{font: style, size: size, height: size * 0.45}}
}

// Width is the width in mm of s (UTF-8) in style ("" or "B") and size
// (points).
func (t *Typeset) Width(style string, size float64, s string) float64 {
	w := t.setter(style, size)
	return w.width(w.text(s))
}

// Write sets s (UTF-8) with its top-left corner at (x, y) mm, shortened
// with an ellipsis to fit width w mm (no limit when w is 0).
func (t *Typeset) Write(x, y, w float64, style string, size float64, s string) {
	st := t.setter(style, size)
	text := st.text(s)
	if w > 0 {
		text = fitWith(text, w, st.width, t.tf.ellipsis)
	}
	st.write(x, y, text)
}

// Wrap breaks s (UTF-8) into at most lines lines no wider than w mm, in
// style and size; the last line ends in an ellipsis when text is left.
func (t *Typeset) Wrap(s string, w float64, lines int, style string, size float64) []string {
	st := t.setter(style, size)
	return wrapWith(st.text(s), w, lines, st.width, t.tf.ellipsis)
}

// WriteText sets text as Wrap returned it at (x, y).
func (t *Typeset) WriteText(x, y float64, style string, size float64, text string) {
	t.setter(style, size).write(x, y, text)
}

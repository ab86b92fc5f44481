package label

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// The PDF's core fonts (Helvetica) only have the Windows-1252 (Latin-1 plus
// a few typographic marks) glyphs. pdfText maps every other character as
// best it can and never emits a byte the font cannot show:
//   - a character with a compatibility decomposition loses its accents or
//     width ("Ł" stays, "ő" → "o", "ﬁ" → "fi", full-width "Ａ" → "A");
//   - anything else (CJK, Cyrillic, emoji, …) becomes '?';
//   - control characters and invalid UTF-8 become a space or '?'.
//
// Labels with non-Latin names therefore print with question marks; printing
// them properly needs an embedded Unicode TrueType font.

// ellipsis is '…' in Windows-1252.
const ellipsis = "\x85"

// pdfText converts UTF-8 s to Windows-1252 bytes for the core fonts.
func pdfText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteString(cp1252Rune(r))
	}
	return b.String()
}

func cp1252Rune(r rune) string {
	switch {
	case r == utf8.RuneError:
		return "?"
	case unicode.IsControl(r) || unicode.IsSpace(r):
		return " "
	}
	if c, ok := charmap.Windows1252.EncodeRune(r); ok {
		return string([]byte{c})
	}
	var out []byte
	for _, d := range norm.NFKD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue // a combining accent
		}
		c, ok := charmap.Windows1252.EncodeRune(d)
		if !ok || unicode.IsControl(d) {
			return "?"
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// widther measures Windows-1252 text in the current font, in mm.
type widther func(string) float64

// fit returns s, shortened with an ellipsis if it is wider than w.
func fit(s string, w float64, width widther) string { return fitWith(s, w, width, ellipsis) }

// fitWith is fit with the ellipsis of the text's encoding. It cuts only at
// character boundaries, so UTF-8 text (a Unicode font) stays valid; for
// Windows-1252 text every byte is a character.
func fitWith(s string, w float64, width widther, ell string) string {
	if width(s) <= w {
		return s
	}
	for n := len(s) - 1; n > 0; n-- {
		if !utf8.RuneStart(s[n]) {
			continue
		}
		t := strings.TrimRight(s[:n], " ") + ell
		if width(t) <= w {
			return t
		}
	}
	return ell
}

// wrap breaks s into at most lines lines no wider than w, at spaces where
// it can, mid-word where a word alone is too wide; the last line ends in an
// ellipsis when text is left over.
func wrap(s string, w float64, lines int, width widther) []string {
	return wrapWith(s, w, lines, width, ellipsis)
}

// wrapWith is wrap with the ellipsis of the text's encoding; like fitWith
// it breaks only between characters (Chinese text has no spaces to break at).
func wrapWith(s string, w float64, lines int, width widther, ell string) []string {
	out, _ := wrapLines(s, w, lines, width, ell)
	return out
}

// wrapLines is wrapWith that also says whether all of s fits (ok false:
// the last line ends in an ellipsis). It breaks at spaces where it can;
// when that leaves text over, it tries again breaking between any two
// Chinese (wide) characters as Chinese typesetting does, keeping only
// Latin words whole — "P·O 42.5R 普通硅酸" rather than "P·O 42.5R" and a
// line too few.
func wrapLines(s string, w float64, lines int, width widther, ell string) (out []string, ok bool) {
	if out, ok = wrapPass(s, w, lines, width, ell, true); ok {
		return out, ok
	}
	return wrapPass(s, w, lines, width, ell, false)
}

// wrapPass wraps once; atSpaces breaks at the last space of a line even
// between wide characters.
func wrapPass(s string, w float64, lines int, width widther, ell string, atSpaces bool) ([]string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	var out []string
	ok := true
	for s != "" && len(out) < lines {
		if len(out) == lines-1 || width(s) <= w {
			ok = width(s) <= w
			out = append(out, fitWith(s, w, width, ell))
			break
		}
		n := next(s, 0)
		for n < len(s) {
			m := next(s, n)
			if width(s[:m]) > w {
				break
			}
			n = m
		}
		before, _ := utf8.DecodeLastRuneInString(s[:n])
		after, _ := utf8.DecodeRuneInString(s[n:])
		if atSpaces || !(wide(before) || wide(after)) {
			if sp := strings.LastIndexByte(s[:min(n+1, len(s))], ' '); sp > 0 {
				n = sp
			}
		}
		out = append(out, strings.TrimRight(s[:n], " "))
		s = strings.TrimLeft(s[n:], " ")
	}
	return out, ok
}

// wide reports whether r is a Chinese, Japanese or Korean character or
// full-width punctuation, between any two of which a line may break.
func wide(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF
}

// next returns the index after the character that starts at i.
func next(s string, i int) int {
	_, size := utf8.DecodeRuneInString(s[i:])
	return i + max(size, 1)
}

// unicodeText cleans UTF-8 text for a Unicode font: invalid bytes become
// U+FFFD and control characters a space.
func unicodeText(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || (unicode.IsSpace(r) && r != ' ') {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

package models

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text limits shared by models and the contract, in characters.
const (
	MaxName    = 200  // names of organizations, products, documents
	MaxLine    = 1000 // single-line free text such as a rejection reason
	MaxNote    = 4000 // multi-line notes
	MaxListLen = 200  // lines, inputs, outputs, sites, spec limits, documents
)

// ValidateLine checks a single-line text field: valid UTF-8, at most max
// characters, and no control characters (line breaks included). Empty is
// allowed; callers that require a value check that first.
func ValidateLine(field, s string, max int) error { return validateText(field, s, max, false) }

// ValidateNote checks a multi-line text field like ValidateLine, but allows
// line feeds, carriage returns and tabs.
func ValidateNote(field, s string, max int) error { return validateText(field, s, max, true) }

// RequireLine is ValidateLine for a field that must not be blank.
func RequireLine(field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return Invalid(field, "is required")
	}
	return ValidateLine(field, s, max)
}

func validateText(field, s string, max int, multiline bool) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8 text")
	}
	n := 0
	for _, r := range s {
		n++
		if controlRune(r, multiline) {
			return Invalid(field, "must not contain control characters (found %s at character %d)", runeName(r), n)
		}
	}
	if n > max {
		return Invalid(field, "must be at most %d characters (got %d)", max, n)
	}
	return nil
}

// controlRune reports whether r is a control character: C0 and C1
// controls, DEL, the line and paragraph separators and the bidirectional
// formatting characters that can disguise text. The ranges are spelled out
// rather than taken from package unicode so that the rule cannot change
// with the Unicode tables of a Go release: the contract must accept and
// reject the same text on every backend.
func controlRune(r rune, multiline bool) bool {
	switch {
	case r == '\n' || r == '\r' || r == '\t':
		return !multiline
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x200e, r == 0x200f, r == 0x2028, r == 0x2029,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

func runeName(r rune) string { return fmt.Sprintf("U+%04X", r) }

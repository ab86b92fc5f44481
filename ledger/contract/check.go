package contract

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plumbline/plumbline/models"
)

// maxText is the longest free-text field (reasons, notes, names) accepted.
const maxText = 1000

// idx formats a list element's field path, e.g. idx("lines", 2) = "lines[2]".
func idx(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// requireText checks that a free-text field is present and not too long.
func requireText(field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return models.Invalid(field, "is required")
	}
	return optionalText(field, s, max)
}

// optionalText checks that an optional free-text field is not too long.
func optionalText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return models.Invalid(field, "must be valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return models.Invalid(field, "must be at most %d characters (got %d)", max, n)
	}
	return nil
}

// positive checks that a quantity is greater than zero.
func positive(field string, d models.Decimal) error {
	if d <= 0 {
		return models.Invalid(field, "must be greater than 0 (got %s)", d)
	}
	return nil
}

// validateSHA256 checks a document hash: 64 lowercase hexadecimal characters.
func validateSHA256(field, s string) error {
	if len(s) != 64 {
		return models.Invalid(field, "%q must be a SHA-256 hash: 64 lowercase hexadecimal characters", s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return models.Invalid(field, "%q must be a SHA-256 hash: 64 lowercase hexadecimal characters", s)
		}
	}
	return nil
}

// validateHashes checks a list of document hashes, refusing duplicates.
func validateHashes(field string, hs []string) error {
	seen := map[string]bool{}
	for i, h := range hs {
		f := idx(field, i)
		if err := validateSHA256(f, h); err != nil {
			return err
		}
		if seen[h] {
			return models.Invalid(f, "document %s is listed twice", h)
		}
		seen[h] = true
	}
	return nil
}

// validateOptionalDate checks a date only when it is given.
func validateOptionalDate(field, s string) error {
	if s == "" {
		return nil
	}
	return models.ValidateDate(field, s)
}

// validateLocation checks a usage location. Lengths are checked here, in a
// fixed field order, before models.Location.Validate, so that the message of
// a rejection is the same on every run and every backend.
func validateLocation(field string, l models.Location) error {
	for _, f := range []struct{ name, v string }{
		{"project", l.Project}, {"building", l.Building}, {"floor", l.Floor}, {"element", l.Element},
	} {
		if err := optionalText(field+"."+f.name, f.v, 128); err != nil {
			return err
		}
	}
	return models.Prefix(field, l.Validate())
}

package contract

import (
	"strconv"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// maxText is the longest reason or condition accepted.
const maxText = models.MaxLine

// idx formats a list element's field path, e.g. idx("lines", 2) = "lines[2]".
func idx(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// requireText checks that a single-line text field is present, not too
// long and free of control characters.
func requireText(field, s string, max int) error { return models.RequireLine(field, s, max) }

// optionalText checks an optional single-line text field.
func optionalText(field, s string, max int) error { return models.ValidateLine(field, s, max) }

// requireNote checks that a multi-line text field (a reason, a condition)
// is present, not too long and free of control characters but line breaks.
func requireNote(field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return models.Invalid(field, "is required")
	}
	return models.ValidateNote(field, s, max)
}

// optionalNote checks an optional multi-line text field.
func optionalNote(field, s string, max int) error { return models.ValidateNote(field, s, max) }

// maxList checks that a list has at most models.MaxListLen elements.
func maxList(field string, n int) error {
	if n > models.MaxListLen {
		return models.Invalid(field, "has %d entries; at most %d are accepted in one transaction", n, models.MaxListLen)
	}
	return nil
}

// sum adds b to a, refusing a total the ledger cannot record (see
// models.MaxDecimal) instead of letting int64 wrap around.
func sum(field string, a, b models.Decimal) (models.Decimal, error) {
	s, ok := a.Add(b)
	if !ok {
		return 0, models.Invalid(field, "the total of %s and %s is more than the largest quantity the ledger records (%s)", a, b, models.MaxDecimal)
	}
	return s, nil
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
	if err := maxList(field, len(hs)); err != nil {
		return err
	}
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

// validateLocation checks a usage location.
func validateLocation(field string, l models.Location) error {
	return models.Prefix(field, l.Validate())
}

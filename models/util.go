package models

import (
	"strconv"
	"time"
)

func itoa(i int) string { return strconv.Itoa(i) }

// DateLayout is the layout of calendar dates such as production dates.
const DateLayout = "2006-01-02"

// ValidateDate checks that s is a calendar date YYYY-MM-DD.
func ValidateDate(field, s string) error {
	if s == "" {
		return Invalid(field, "is required")
	}
	if _, err := time.Parse(DateLayout, s); err != nil {
		return Invalid(field, "%q is not a date of the form YYYY-MM-DD", s)
	}
	return nil
}

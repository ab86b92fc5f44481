package models

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DecimalScale is the number of Decimal units in 1: values keep three
// decimal places (kilograms of a tonne, litres of a cubic metre).
const DecimalScale = 1000

// Decimal is a fixed-point number with three decimal places, stored as an
// integer count of thousandths. Quantities and measured values use it so
// that sums are exact and encodings are deterministic. In JSON it is a
// number (12.5) or a string ("12.5"); it always encodes as a number.
type Decimal int64

// ParseDecimal parses text such as "12", "-0.5" or "1250.125". More than
// three decimal places, exponents and values beyond ±9e15 are rejected.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, Invalid("", "is empty; write a number")
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && (!hasDot || frac == "") {
		return 0, Invalid("", "%q is not a number", s)
	}
	if len(frac) > 3 {
		return 0, Invalid("", "%q has more than 3 decimal places", s)
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, Invalid("", "%q is not a plain decimal number", s)
		}
	}
	if len(intPart) > 15 {
		return 0, Invalid("", "%q is too large", s)
	}
	var whole int64
	if intPart != "" {
		w, err := strconv.ParseInt(intPart, 10, 64)
		if err != nil {
			return 0, Invalid("", "%q is not a number", s)
		}
		whole = w
	}
	frac += strings.Repeat("0", 3-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := whole*DecimalScale + f
	if neg {
		v = -v
	}
	return Decimal(v), nil
}

// MaxDecimal is the largest magnitude a Decimal may have: the largest
// value ParseDecimal accepts (999999999999999.999). Sums beyond it could
// not be read back, so Add refuses them.
const MaxDecimal Decimal = 1e18 - 1

// Add returns d+e and true, or 0 and false when the sum's magnitude would
// exceed MaxDecimal. Use it to total user-supplied quantities, which can
// each be up to MaxDecimal: a plain + can wrap around int64.
func (d Decimal) Add(e Decimal) (Decimal, bool) {
	if d > MaxDecimal || d < -MaxDecimal || e > MaxDecimal || e < -MaxDecimal {
		return 0, false
	}
	s := d + e // cannot overflow int64: |d|, |e| < 1e18
	if s > MaxDecimal || s < -MaxDecimal {
		return 0, false
	}
	return s, true
}

// MustDecimal parses s and panics on error; for constants in tests and demo data.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DecimalFromInt returns n whole units.
func DecimalFromInt(n int64) Decimal { return Decimal(n * DecimalScale) }

// String formats d with as few decimals as needed: 12, 12.5, 0.045.
func (d Decimal) String() string {
	v := int64(d)
	sign := ""
	if v < 0 {
		sign = "-"
		if v == math.MinInt64 {
			return "-9223372036854775.808"
		}
		v = -v
	}
	whole, frac := v/DecimalScale, v%DecimalScale
	if frac == 0 {
		return sign + strconv.FormatInt(whole, 10)
	}
	fs := strings.TrimRight(fmt.Sprintf("%03d", frac), "0")
	return sign + strconv.FormatInt(whole, 10) + "." + fs
}

// Float returns d as a float64, for display and charts only.
func (d Decimal) Float() float64 { return float64(d) / DecimalScale }

// MarshalJSON encodes d as a JSON number.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalJSON accepts a JSON number or a string holding one.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// DecimalField parses the quantity given for field (a form input, a CSV
// column); an empty one is an error naming the field.
func DecimalField(field, s string) (Decimal, error) {
	if strings.TrimSpace(s) == "" {
		return 0, Invalid(field, "is required")
	}
	d, err := ParseDecimal(s)
	if err != nil {
		return 0, AtField(err, field)
	}
	return d, nil
}

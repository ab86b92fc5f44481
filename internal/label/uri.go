package label

import (
	"net/url"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// MaxLot is the longest GS1 AI (10) batch/lot number: X..20.
const MaxLot = 20

// Lot returns the value a batch carries in GS1 AI (10): its own lot number
// when it has one, otherwise its batch code.
func Lot(b models.Batch) string {
	if b.LotNumber != "" {
		return b.LotNumber
	}
	return b.Code
}

// Path returns the path part of the batch's GS1 Digital Link URI.
//
// The rule: a batch gets the GS1 form /01/{GTIN-14}/10/{lot} when
//   - the product has a GTIN with a valid check digit (GTIN-8, -12 and -13
//     are left-padded with zeros to 14 digits, as GS1 Digital Link requires),
//   - Lot(b) is a valid AI (10) value: 1–20 characters of GS1 character
//     set 82, and
//   - the lot identifies this batch alone: a split child (Lineage split)
//     that carries a lot number shares it with its parent and siblings, so
//     it does not qualify. A split child without a lot number uses its own
//     unique code as the lot and does qualify.
//
// Every other batch gets /b/{batch code}. The lot is percent-encoded as
// GS1 Digital Link asks: every byte outside the URI unreserved set
// (A–Z a–z 0–9 - . _ ~) becomes %XX, so '/', '%', '#', '?', '&' and '+'
// cannot change the URI's structure.
func Path(b models.Batch, p models.Product) string {
	if gtin, lot, ok := digitalLink(b, p); ok {
		return "/01/" + gtin + "/10/" + escapeAI(lot)
	}
	return "/b/" + url.PathEscape(b.Code)
}

// URI returns the batch's GS1 Digital Link URI on the public base URL
// (e.g. "https://trace.example.com"; a trailing slash is ignored). See Path
// for which form a batch gets.
func URI(base string, b models.Batch, p models.Product) string {
	return strings.TrimRight(base, "/") + Path(b, p)
}

// Matches reports whether the batch's URI is /01/{gtin14}/10/{lot}, i.e.
// whether a resolver that parsed gtin14 and lot with ParseDigitalLink has
// found this batch. Batches that get the /b/ form never match.
func Matches(b models.Batch, p models.Product, gtin14, lot string) bool {
	g, l, ok := digitalLink(b, p)
	return ok && g == gtin14 && l == lot
}

// digitalLink returns the GTIN-14 and lot of the /01/…/10/… form, or false
// when the batch gets the /b/ form.
func digitalLink(b models.Batch, p models.Product) (gtin14, lot string, ok bool) {
	if p.GTIN == "" || models.ValidateGTIN("gtin", p.GTIN) != nil {
		return "", "", false
	}
	if b.Lineage == models.LineageSplit && b.LotNumber != "" {
		return "", "", false
	}
	lot = Lot(b)
	if !ValidLot(lot) {
		return "", "", false
	}
	return models.GTIN14(p.GTIN), lot, true
}

// ValidLot reports whether s is a valid GS1 AI (10) value: 1–20
// characters, each from GS1 AI encodable character set 82.
func ValidLot(s string) bool {
	if len(s) == 0 || len(s) > MaxLot {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !cset82(s[i]) {
			return false
		}
	}
	return true
}

// CSet82 is GS1 AI encodable character set 82, in byte order.
const CSet82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`

func cset82(c byte) bool {
	switch {
	case c == '!' || c == '"' || c == '_':
		return true
	case c >= '%' && c <= '?': // % & ' ( ) * + , - . / 0-9 : ; < = > ?
		return true
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return true
	}
	return false
}

// escapeAI percent-encodes every byte outside the URI unreserved set.
func escapeAI(s string) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	sb.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			sb.WriteByte(c)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(hex[c>>4])
		sb.WriteByte(hex[c&15])
	}
	return sb.String()
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

package label

import (
	"net/url"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// ParseDigitalLink reads the GTIN and lot from a GS1 Digital Link path of
// the form [prefix]/01/{gtin}/10/{lot}[/more AIs][?query][#fragment]. A
// full URI ("https://host/01/…") is accepted too.
//
// Pass the path still percent-encoded (r.URL.EscapedPath(), or gin with
// UseRawPath): a lot may contain an encoded '/', which a decoded path no
// longer tells apart from a separator.
//
// The GTIN may have 8, 12, 13 or 14 digits and is returned as GTIN-14; a
// /22/{variant} qualifier between the GTIN and the lot is skipped, as are
// AIs after the lot and the query (e.g. ?linkType=…). A malformed link, a
// wrong check digit or a lot outside AI (10)'s 1–20 characters of GS1
// character set 82 is a *models.Error of kind models.ErrInvalid.
func ParseDigitalLink(path string) (gtin14, lot string, err error) {
	p := path
	if strings.Contains(p, "://") {
		u, err := url.Parse(p)
		if err != nil {
			return "", "", models.Invalid("path", "%q is not a uri: %v", path, err)
		}
		p = u.EscapedPath()
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	segs := strings.Split(p, "/")
	i := 0
	for i < len(segs) && !(segs[i] == "01" && i+1 < len(segs) && digits(segs[i+1])) {
		i++
	}
	if i == len(segs) {
		return "", "", models.Invalid("path", "%q has no /01/{gtin}", path)
	}
	g := segs[i+1]
	if err := models.ValidateGTIN("gtin", g); err != nil {
		return "", "", err
	}
	i += 2
	if i+1 < len(segs) && segs[i] == "22" { // consumer product variant, a key qualifier before the lot
		i += 2
	}
	if i+1 < len(segs) && segs[i] == "10" {
		lot, err := url.PathUnescape(segs[i+1])
		if err != nil {
			return "", "", models.Invalid("lot", "%q is not percent-encoded correctly", segs[i+1])
		}
		if !ValidLot(lot) {
			return "", "", models.Invalid("lot", "%q must be 1-%d characters of GS1 character set 82", lot, MaxLot)
		}
		return models.GTIN14(g), lot, nil
	}
	return "", "", models.Invalid("path", "%q has no /10/{lot} after the gtin", path)
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

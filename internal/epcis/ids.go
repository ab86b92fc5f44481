package epcis

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/plumbline/plumbline/internal/label"
	"github.com/plumbline/plumbline/models"
)

// Names builds the URIs of everything an event names, on one base URL.
type Names struct {
	Base string // e.g. https://trace.example.com; a trailing slash is ignored
}

func (n Names) base() string { return strings.TrimRight(n.Base, "/") }

func (n Names) under(parts ...string) string {
	var b strings.Builder
	b.WriteString(n.base())
	b.WriteString("/epcis")
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// Batch is the class-level identifier of a batch: its GS1 Digital Link URI
// /01/{GTIN-14}/10/{lot} when its product has a GTIN (and the lot names
// this batch alone), otherwise /b/{code}: the URI its QR code holds.
func (n Names) Batch(b models.Batch, p models.Product) string { return label.URI(n.base(), b, p) }

// Product is a product's class identifier: /01/{GTIN-14} when it has a
// GTIN, otherwise /epcis/products/{id}.
func (n Names) Product(p models.Product) string {
	if p.GTIN != "" && models.ValidateGTIN("gtin", p.GTIN) == nil {
		return n.base() + "/01/" + models.GTIN14(p.GTIN)
	}
	return n.under("products", p.ID)
}

// Party is an organization.
func (n Names) Party(org string) string { return n.under("parties", org) }

// Site is a site of an organization.
func (n Names) Site(org, site string) string { return n.under("parties", org, "sites", site) }

// Location is a place in the works: project, building, floor, element.
func (n Names) Location(l models.Location) string {
	q := url.Values{}
	q.Set("project", l.Project)
	q.Set("building", l.Building)
	if l.Floor != "" {
		q.Set("floor", l.Floor)
	}
	q.Set("element", l.Element)
	return n.under("locations") + "?" + q.Encode()
}

// PurchaseOrder is a purchase order.
func (n Names) PurchaseOrder(id string) string { return n.under("purchase-orders", id) }

// Shipment is a shipment: its page.
func (n Names) Shipment(code string) string { return n.base() + "/shipments/" + url.PathEscape(code) }

// DeliveryNote is a shipper's delivery note number.
func (n Names) DeliveryNote(shipper, note string) string {
	return n.under("delivery-notes", shipper, note)
}

// Case is a quality case (non-conformance or recall).
func (n Names) Case(id string) string { return n.base() + "/cases/" + url.PathEscape(id) }

// File is a document's download address.
func (n Names) File(sha string) string { return n.base() + "/files/" + sha }

// Property is a measured property, as a sensor report's type.
func Property(name string) string { return "plb:" + name }

// eventID derives an event's ID from what the transaction says — its
// type, organization, time and canonical arguments — not from the ledger's
// transaction ID, so that the same transaction captured into another
// instance exports with the same ID. It is a name-based UUID (version 8,
// SHA-256) as a urn:uuid URI.
func eventID(typ, org, at string, args []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "plumbline-epcis-event\n%s\n%s\n%s\n", typ, org, at)
	h.Write(args)
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x80 // version 8
	s[8] = s[8]&0x3f | 0x80 // RFC 9562 variant
	x := hex.EncodeToString(s[:16])
	return "urn:uuid:" + x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// ParsedID is what a Plumbline identifier URI names. Hosts are not
// checked: a document exported by another Plumbline instance names the
// same batches, parties and places on its own base URL.
type ParsedID struct {
	Kind  string // batch, lot, product, gtin, party, site, location, po, shipment, delivery-note
	Code  string // batch code, product ID, party, purchase order or shipment code
	GTIN  string // GTIN-14 (lot, gtin)
	Lot   string // lot (lot)
	Site  string
	Loc   models.Location
	Extra string // the delivery note number
}

// Identifier kinds of ParsedID.
const (
	IDBatch        = "batch"
	IDLot          = "lot"
	IDProduct      = "product"
	IDGTIN         = "gtin"
	IDParty        = "party"
	IDSite         = "site"
	IDLocation     = "location"
	IDPO           = "po"
	IDShipment     = "shipment"
	IDDeliveryNote = "delivery-note"
)

// Parse reads a Plumbline or GS1 Digital Link identifier.
func Parse(uri string) (ParsedID, error) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ParsedID{}, fmt.Errorf("%q is not an http(s) URI", uri)
	}
	segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	for i, s := range segs {
		if segs[i], err = url.PathUnescape(s); err != nil {
			return ParsedID{}, fmt.Errorf("%q is not percent-encoded correctly", uri)
		}
	}
	switch {
	case len(segs) == 2 && segs[0] == "b" && segs[1] != "":
		return ParsedID{Kind: IDBatch, Code: segs[1]}, nil
	case len(segs) == 2 && segs[0] == "shipments" && segs[1] != "":
		return ParsedID{Kind: IDShipment, Code: segs[1]}, nil
	case len(segs) == 2 && segs[0] == "01":
		if err := models.ValidateGTIN("gtin", segs[1]); err != nil {
			return ParsedID{}, fmt.Errorf("%q: %v", uri, err)
		}
		return ParsedID{Kind: IDGTIN, GTIN: models.GTIN14(segs[1])}, nil
	case len(segs) >= 4 && segs[0] == "01":
		g, lot, err := label.ParseDigitalLink(u.EscapedPath())
		if err != nil {
			return ParsedID{}, fmt.Errorf("%q: %v", uri, err)
		}
		return ParsedID{Kind: IDLot, GTIN: g, Lot: lot}, nil
	case len(segs) < 2 || segs[0] != "epcis":
		return ParsedID{}, fmt.Errorf("%q is not a Plumbline identifier (/b/{code}, /01/{gtin}/10/{lot}, /shipments/{code} or /epcis/…)", uri)
	}
	rest := segs[1:]
	switch {
	case len(rest) == 2 && rest[0] == "products":
		return ParsedID{Kind: IDProduct, Code: rest[1]}, nil
	case len(rest) == 2 && rest[0] == "parties":
		return ParsedID{Kind: IDParty, Code: rest[1]}, nil
	case len(rest) == 4 && rest[0] == "parties" && rest[2] == "sites":
		return ParsedID{Kind: IDSite, Code: rest[1], Site: rest[3]}, nil
	case len(rest) == 2 && rest[0] == "purchase-orders":
		return ParsedID{Kind: IDPO, Code: rest[1]}, nil
	case len(rest) == 3 && rest[0] == "delivery-notes":
		return ParsedID{Kind: IDDeliveryNote, Code: rest[1], Extra: rest[2]}, nil
	case len(rest) == 1 && rest[0] == "locations":
		q := u.Query()
		return ParsedID{Kind: IDLocation, Loc: models.Location{Project: q.Get("project"), Building: q.Get("building"), Floor: q.Get("floor"), Element: q.Get("element")}}, nil
	}
	return ParsedID{}, fmt.Errorf("%q is not a Plumbline identifier", uri)
}

// UOM is the UN/ECE Recommendation 20 code of a Plumbline unit.
func UOM(unit string) string {
	switch unit {
	case "t":
		return "TNE"
	case "kg":
		return "KGM"
	case "m3":
		return "MTQ"
	case "m2":
		return "MTK"
	case "m":
		return "MTR"
	case "pcs":
		return "H87"
	case "l":
		return "LTR"
	}
	return ""
}

// Unit is the Plumbline unit of a UN/ECE Recommendation 20 code.
func Unit(uom string) string {
	for _, u := range models.Units {
		if UOM(u) == uom {
			return u
		}
	}
	return ""
}

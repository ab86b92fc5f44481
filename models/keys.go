package models

import "strings"

// World-state key prefixes. The contract stores each record as the JSON of
// its model type under prefix + ID; the projector reads committed writes by
// the same prefixes. Keys are plain strings so they work as Fabric keys.
const (
	PrefixOrg        = "org/"
	PrefixProduct    = "product/"
	PrefixBatch      = "batch/"
	PrefixPO         = "po/"
	PrefixShipment   = "shipment/"
	PrefixInspection = "inspection/"
	PrefixUsage      = "usage/"
	PrefixDocument   = "doc/"
	PrefixCorrection = "correction/"
	PrefixRecall     = "recall/"
	PrefixCase       = "case/"
)

// Keys that are not records. The read model does not project them (the
// projector and the read-model check skip prefixes they do not know).
const (
	// PrefixGTIN + GTIN-14 holds the ID of the product registered with
	// that GTIN (plain bytes, not JSON). It lets contract version 2
	// (contract.V2) check a GTIN's uniqueness with one point read instead
	// of reading every product: on Fabric a range read conflicts with every
	// concurrent product registration, a point read only with one that
	// claims the same GTIN. Version 1 neither reads nor writes it.
	PrefixGTIN = "gtin/"
	// KeyGTINIndexed exists once every product with a GTIN has its
	// PrefixGTIN key; its value is the ID of the transaction that built the
	// index. Until it exists, a version 2 registration with a GTIN checks
	// uniqueness by range, as version 1 does, and builds the index.
	KeyGTINIndexed = "meta/gtin-index"
	// PrefixCaseSource + inspection ID holds the ID of the case opened
	// from that inspection (plain bytes, not JSON), so that one failing
	// result opens at most one case however often it is retried.
	PrefixCaseSource = "case-source/"
)

// Key returns the world-state key of the record id under prefix.
func Key(prefix, id string) string { return prefix + id }

// SplitKey returns the prefix (with its slash) and ID of a world-state key.
func SplitKey(key string) (prefix, id string) {
	i := strings.IndexByte(key, '/')
	if i < 0 {
		return "", key
	}
	return key[:i+1], key[i+1:]
}

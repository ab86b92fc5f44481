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

package epcis

import (
	"time"
)

// NewDocument returns an EPCISDocument holding events, created at now.
func NewDocument(now time.Time, sender string, events []Event) Document {
	if events == nil {
		events = []Event{}
	}
	return Document{
		Context:       []any{Context, map[string]string{"plb": Namespace}},
		Type:          "EPCISDocument",
		SchemaVersion: "2.0",
		CreationDate:  now.UTC().Format(time.RFC3339Nano),
		Sender:        sender,
		Body:          Body{EventList: events},
	}
}

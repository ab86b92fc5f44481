package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/plumbline/plumbline/models"
)

// Event is a committed ledger event as the read model keeps it.
type Event struct {
	Seq   uint64          `json:"seq"`
	TxID  string          `json:"tx_id"`
	Type  string          `json:"type"`
	Org   string          `json:"org"`
	User  string          `json:"user"`
	Role  models.Role     `json:"role"`
	Time  time.Time       `json:"time"`
	Args  json.RawMessage `json:"args"`
	Block uint64          `json:"block,omitempty"`
	// Batches are the codes of the batches the event touched, which put it
	// on those batches' timelines. Apply sorts and deduplicates them.
	Batches []string `json:"batches,omitempty"`
}

// change is the newest value of one record within a changeset.
type change struct {
	seq uint64
	rec any // *models.Organization, *models.Batch, …
}

// Changeset collects what a run of consecutive ledger events does to the
// read model: the events themselves and the newest value of every record
// they wrote (a later write of a key replaces an earlier one, since the
// whole changeset is applied in one database transaction). Build it with
// AddEvent and the Put methods, in ledger order, then hand it to Apply.
type Changeset struct {
	events  []Event
	changes map[string]change // by world-state key
	notes   []Notification    // outbox entries the events cause
}

// NewChangeset returns an empty changeset.
func NewChangeset() *Changeset { return &Changeset{changes: map[string]change{}} }

// Events returns the events of the changeset, in order.
func (c *Changeset) Events() []Event { return c.events }

// Len returns the number of events in the changeset.
func (c *Changeset) Len() int { return len(c.events) }

// Last returns the sequence number of the last event added (0 when empty).
func (c *Changeset) Last() uint64 {
	if len(c.events) == 0 {
		return 0
	}
	return c.events[len(c.events)-1].Seq
}

// AddEvent adds a committed event; events must come in ascending Seq order
// without gaps.
func (c *Changeset) AddEvent(e Event) error {
	if n := len(c.events); n > 0 && e.Seq != c.events[n-1].Seq+1 {
		return fmt.Errorf("event %d does not follow event %d", e.Seq, c.events[n-1].Seq)
	}
	c.events = append(c.events, e)
	return nil
}

func (c *Changeset) put(prefix, id string, seq uint64, rec any) {
	c.changes[models.Key(prefix, id)] = change{seq: seq, rec: rec}
}

// PutOrganization records the value of an organization written by event seq.
func (c *Changeset) PutOrganization(seq uint64, o models.Organization) {
	c.put(models.PrefixOrg, o.ID, seq, &o)
}

// PutProduct records the value of a product written by event seq.
func (c *Changeset) PutProduct(seq uint64, p models.Product) {
	c.put(models.PrefixProduct, p.ID, seq, &p)
}

// PutBatch records the value of a batch written by event seq; its Parents
// become lineage edges and its Documents batch-document links.
func (c *Changeset) PutBatch(seq uint64, b models.Batch) {
	c.put(models.PrefixBatch, b.Code, seq, &b)
}

// PutPurchaseOrder records the value of a purchase order written by event seq.
func (c *Changeset) PutPurchaseOrder(seq uint64, p models.PurchaseOrder) {
	c.put(models.PrefixPO, p.ID, seq, &p)
}

// PutShipment records the value of a shipment written by event seq.
func (c *Changeset) PutShipment(seq uint64, s models.Shipment) {
	c.put(models.PrefixShipment, s.Code, seq, &s)
}

// PutInspection records the value of an inspection written by event seq.
func (c *Changeset) PutInspection(seq uint64, in models.Inspection) {
	c.put(models.PrefixInspection, in.ID, seq, &in)
}

// PutUsage records the value of a usage written by event seq.
func (c *Changeset) PutUsage(seq uint64, u models.Usage) {
	c.put(models.PrefixUsage, u.ID, seq, &u)
}

// PutDocument records the value of a document written by event seq.
func (c *Changeset) PutDocument(seq uint64, d models.Document) {
	c.put(models.PrefixDocument, d.SHA256, seq, &d)
}

// PutCorrection records the value of a correction written by event seq.
func (c *Changeset) PutCorrection(seq uint64, x models.Correction) {
	c.put(models.PrefixCorrection, x.ID, seq, &x)
}

// PutRecall records the value of a recall written by event seq.
func (c *Changeset) PutRecall(seq uint64, r models.Recall) {
	c.put(models.PrefixRecall, r.ID, seq, &r)
}

package projector

import (
	"encoding/json"
	"fmt"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// add adds a committed event and every record it wrote to cs. Each write is
// decoded by its key's prefix into its models type; keys under prefixes the
// read model does not project are skipped. The event goes on the timeline
// of every batch it wrote and every batch its records name.
func add(cs *store.Changeset, e ledger.Event) error {
	if cs.Len() > 0 && e.Seq != cs.Last()+1 {
		return fmt.Errorf("event %d does not follow event %d", e.Seq, cs.Last())
	}
	var codes []string
	for _, w := range e.Writes {
		prefix, id := models.SplitKey(w.Key)
		dec, ok := decoders[prefix]
		if !ok {
			continue
		}
		key, batches, err := dec(cs, e.Seq, w.Value)
		if err != nil {
			return fmt.Errorf("event %d: decode %s: %w", e.Seq, w.Key, err)
		}
		if key != id {
			return fmt.Errorf("event %d: record written under %s names itself %q", e.Seq, w.Key, key)
		}
		codes = append(codes, batches...)
		if prefix == models.PrefixCase {
			if err := caseNotes(cs, e, w.Value); err != nil {
				return fmt.Errorf("event %d: notifications of %s: %w", e.Seq, w.Key, err)
			}
		}
	}
	return cs.AddEvent(store.Event{Seq: e.Seq, TxID: e.TxID, Type: e.Type, Org: e.Org, User: e.User, Role: e.Role,
		Time: e.Time, Args: e.Args, Block: e.Block, Batches: codes})
}

// EventRow returns event e as the projector records it in the read model
// (rm_events and the batches of rm_event_batches), so that verify can
// compare those tables with the ledger.
func EventRow(e ledger.Event) (store.Event, error) {
	cs := store.NewChangeset()
	if err := add(cs, e); err != nil {
		return store.Event{}, err
	}
	return cs.Events()[0], nil
}

// decoder decodes one written record, puts it into cs and returns the
// record's own ID and the batch codes it names.
type decoder func(cs *store.Changeset, seq uint64, raw []byte) (id string, batches []string, err error)

// record makes the decoder of one record type T.
func record[T any](put func(*store.Changeset, uint64, T), id func(*T) string, batches func(*T) []string) decoder {
	return func(cs *store.Changeset, seq uint64, raw []byte) (string, []string, error) {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", nil, fmt.Errorf("not the JSON of its record type: %w", err)
		}
		put(cs, seq, v)
		var bs []string
		if batches != nil {
			bs = batches(&v)
		}
		return id(&v), bs, nil
	}
}

// decoders maps each projected world-state prefix to its record decoder.
var decoders = map[string]decoder{
	models.PrefixOrg: record((*store.Changeset).PutOrganization,
		func(o *models.Organization) string { return o.ID }, nil),
	models.PrefixProduct: record((*store.Changeset).PutProduct,
		func(p *models.Product) string { return p.ID }, nil),
	models.PrefixBatch: record((*store.Changeset).PutBatch,
		func(b *models.Batch) string { return b.Code },
		func(b *models.Batch) []string { return []string{b.Code} }),
	models.PrefixPO: record((*store.Changeset).PutPurchaseOrder,
		func(po *models.PurchaseOrder) string { return po.ID }, nil),
	models.PrefixShipment: record((*store.Changeset).PutShipment,
		func(s *models.Shipment) string { return s.Code },
		func(s *models.Shipment) []string {
			var codes []string
			for _, l := range s.Lines {
				codes = append(codes, l.Source, l.Batch, l.ReturnBatch)
			}
			return codes
		}),
	models.PrefixInspection: record((*store.Changeset).PutInspection,
		func(in *models.Inspection) string { return in.ID },
		func(in *models.Inspection) []string { return []string{in.BatchCode} }),
	models.PrefixUsage: record((*store.Changeset).PutUsage,
		func(u *models.Usage) string { return u.ID },
		func(u *models.Usage) []string { return []string{u.BatchCode} }),
	models.PrefixDocument: record((*store.Changeset).PutDocument,
		func(d *models.Document) string { return d.SHA256 },
		func(d *models.Document) []string { return []string{d.BatchCode} }),
	models.PrefixCorrection: record((*store.Changeset).PutCorrection,
		func(c *models.Correction) string { return c.ID },
		func(c *models.Correction) []string {
			if c.TargetKind == "batch" {
				return []string{c.TargetID}
			}
			return nil
		}),
	// A case step goes on no batch's timeline: whoever submits an entry on
	// a batch's timeline becomes involved with the batch (server/involved.go),
	// and acknowledging a case must not open the batch's private tier. A
	// recall case's entry reaches the timelines through the batches it marks.
	models.PrefixCase: record((*store.Changeset).PutCase,
		func(c *models.Case) string { return c.ID }, nil),
	models.PrefixRecall: record((*store.Changeset).PutRecall,
		func(r *models.Recall) string { return r.ID },
		func(r *models.Recall) []string { return append([]string{r.BatchCode}, r.Affected...) }),
}

// caseNotes adds the notifications a case step causes: every affected
// organization hears of a new case; the opener hears of each
// acknowledgement, each set of dispositions and the closing. Nobody is
// told of their own step, except the opener of its case closing.
func caseNotes(cs *store.Changeset, e ledger.Event, raw []byte) error {
	var c models.Case
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	note := func(org, kind string, count int) {
		if org != e.Org || kind == store.NoteCaseClosed {
			cs.AddNotification(store.CaseNote(e.Seq, e.TxID, e.Time, org, kind, e.Org, &c, count))
		}
	}
	switch e.Type {
	case "OpenCase":
		for _, o := range c.Orgs {
			note(o.Org, store.NoteCaseOpened, 0)
		}
	case "AcknowledgeCase":
		note(c.Org, store.NoteCaseAcknowledged, 0)
	case "RecordDisposition":
		n := 0
		for _, u := range c.Usages {
			if u.TxID == e.TxID {
				n++
			}
		}
		note(c.Org, store.NoteCaseDisposition, n)
	}
	if c.Status == models.CaseClosed && c.ClosedTx == e.TxID {
		note(c.Org, store.NoteCaseClosed, 0)
	}
	return nil
}

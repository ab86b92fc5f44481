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
		var (
			key string // the record's own ID, which must match the key
			err error
		)
		switch prefix {
		case models.PrefixOrg:
			var o models.Organization
			if err = decode(w, &o); err == nil {
				key = o.ID
				cs.PutOrganization(e.Seq, o)
			}
		case models.PrefixProduct:
			var p models.Product
			if err = decode(w, &p); err == nil {
				key = p.ID
				cs.PutProduct(e.Seq, p)
			}
		case models.PrefixBatch:
			var b models.Batch
			if err = decode(w, &b); err == nil {
				key = b.Code
				codes = append(codes, b.Code)
				cs.PutBatch(e.Seq, b)
			}
		case models.PrefixPO:
			var po models.PurchaseOrder
			if err = decode(w, &po); err == nil {
				key = po.ID
				cs.PutPurchaseOrder(e.Seq, po)
			}
		case models.PrefixShipment:
			var s models.Shipment
			if err = decode(w, &s); err == nil {
				key = s.Code
				for _, l := range s.Lines {
					codes = append(codes, l.Source, l.Batch, l.ReturnBatch)
				}
				cs.PutShipment(e.Seq, s)
			}
		case models.PrefixInspection:
			var in models.Inspection
			if err = decode(w, &in); err == nil {
				key = in.ID
				codes = append(codes, in.BatchCode)
				cs.PutInspection(e.Seq, in)
			}
		case models.PrefixUsage:
			var u models.Usage
			if err = decode(w, &u); err == nil {
				key = u.ID
				codes = append(codes, u.BatchCode)
				cs.PutUsage(e.Seq, u)
			}
		case models.PrefixDocument:
			var d models.Document
			if err = decode(w, &d); err == nil {
				key = d.SHA256
				codes = append(codes, d.BatchCode)
				cs.PutDocument(e.Seq, d)
			}
		case models.PrefixCorrection:
			var c models.Correction
			if err = decode(w, &c); err == nil {
				key = c.ID
				if c.TargetKind == "batch" {
					codes = append(codes, c.TargetID)
				}
				cs.PutCorrection(e.Seq, c)
			}
		case models.PrefixRecall:
			var r models.Recall
			if err = decode(w, &r); err == nil {
				key = r.ID
				codes = append(codes, r.BatchCode)
				codes = append(codes, r.Affected...)
				cs.PutRecall(e.Seq, r)
			}
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("event %d: decode %s: %w", e.Seq, w.Key, err)
		}
		if key != id {
			return fmt.Errorf("event %d: record written under %s names itself %q", e.Seq, w.Key, key)
		}
	}
	return cs.AddEvent(store.Event{Seq: e.Seq, TxID: e.TxID, Type: e.Type, Org: e.Org, User: e.User, Role: e.Role,
		Time: e.Time, Args: e.Args, Block: e.Block, Batches: codes})
}

func decode(w ledger.Write, v any) error {
	if err := json.Unmarshal(w.Value, v); err != nil {
		return fmt.Errorf("not the JSON of its record type: %w", err)
	}
	return nil
}

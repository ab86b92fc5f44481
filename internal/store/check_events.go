package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// CheckEventLog compares the events table (rm_events) and the index of the
// batches each event touched (rm_event_batches) with the ledger's events:
// each calls fn with every event 1…head, in order, as the projector would
// record it (projector.EventRow). Who is involved with a batch is decided
// from these rows, so none of them may differ from the verified ledger.
// The first difference is a *Mismatch.
func (s *Store) CheckEventLog(ctx context.Context, each func(fn func(Event) error) error) error {
	var buf []eventRow
	links := map[uint64][]string{}
	var last uint64
	load := func(after uint64) error {
		db := s.db.WithContext(ctx)
		buf = buf[:0]
		if err := db.Where("seq > ?", after).Order("seq").Limit(checkChunk).Find(&buf).Error; err != nil {
			return fmt.Errorf("check read model events: %w", dbErr(err))
		}
		clear(links)
		if len(buf) == 0 {
			return nil
		}
		var ls []eventBatchRow
		if err := db.Where("seq >= ? AND seq <= ?", buf[0].Seq, buf[len(buf)-1].Seq).Order("seq").Order("batch_code").Find(&ls).Error; err != nil {
			return fmt.Errorf("check read model event batches: %w", dbErr(err))
		}
		for _, l := range ls {
			links[l.Seq] = append(links[l.Seq], l.BatchCode)
		}
		return nil
	}
	return each(func(e Event) error {
		if len(buf) == 0 || e.Seq > buf[len(buf)-1].Seq {
			if err := load(last); err != nil {
				return err
			}
		}
		i, ok := slices.BinarySearchFunc(buf, e.Seq, func(r eventRow, seq uint64) int { return cmp.Compare(r.Seq, seq) })
		if !ok {
			return &Mismatch{Table: "rm_events", Seq: e.Seq, What: "the event is missing"}
		}
		last = e.Seq
		if what := eventDiff(&buf[i], e); what != "" {
			return &Mismatch{Table: "rm_events", Seq: e.Seq, What: what}
		}
		want := eventBatches(e.Batches)
		if got := links[e.Seq]; !slices.Equal(got, want) {
			return &Mismatch{Table: "rm_event_batches", Seq: e.Seq,
				What: fmt.Sprintf("lists batches %q for the event, the ledger's writes name %q", got, want)}
		}
		return nil
	})
}

// eventDiff says how the row differs from the ledger's event ("" when it
// does not). Times compare to the microsecond, PostgreSQL's precision.
func eventDiff(r *eventRow, e Event) string {
	switch {
	case r.TxID != e.TxID:
		return fmt.Sprintf("tx_id is %q, the ledger's transaction is %q", r.TxID, e.TxID)
	case r.Type != e.Type:
		return fmt.Sprintf("type is %q, the ledger's is %q", r.Type, e.Type)
	case r.OrgID != e.Org:
		return fmt.Sprintf("org_id is %q, the ledger's submitter is %q", r.OrgID, e.Org)
	case r.UserID != e.User:
		return fmt.Sprintf("user_id is %q, the ledger's is %q", r.UserID, e.User)
	case r.Role != string(e.Role):
		return fmt.Sprintf("role is %q, the ledger's is %q", r.Role, e.Role)
	case r.Time.Sub(e.Time).Abs() >= time.Microsecond:
		return fmt.Sprintf("time is %s, the ledger's is %s", r.Time.UTC().Format(time.RFC3339Nano), e.Time.UTC().Format(time.RFC3339Nano))
	case r.Args != string(e.Args):
		return "args differ from the ledger's"
	case r.Block != e.Block:
		return fmt.Sprintf("block is %d, the ledger's is %d", r.Block, e.Block)
	}
	return ""
}

// eventBatches are the batch codes the projector indexes an event under:
// sorted, without duplicates or empty codes.
func eventBatches(codes []string) []string {
	out := slices.Clone(codes)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

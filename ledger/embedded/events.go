package embedded

import (
	"context"
	"fmt"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// eventPage is how many entries Events reads per query.
const eventPage = 512

// Events calls fn for every committed entry with Seq > after, in order,
// reading pages from the database, then waits for commits, until ctx is
// done, the ledger closes or fn fails.
func (l *Ledger) Events(ctx context.Context, after uint64, fn func(ledger.Event) error) error {
	for {
		// Take the notification channel before reading, so a commit that
		// lands after the read still wakes us.
		l.notifyMu.Lock()
		wake := l.notify
		l.notifyMu.Unlock()
		if wake == nil {
			return ledger.ErrClosed
		}
		evs, err := l.readEvents(ctx, after, eventPage)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := fn(e); err != nil {
				return err
			}
			after = e.Seq
		}
		if len(evs) == eventPage {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// readEvents reads up to limit events after seq.
func (l *Ledger) readEvents(ctx context.Context, after uint64, limit int) ([]ledger.Event, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT e.seq, e.data, w.data, o.data FROM ledger_entries e
		LEFT JOIN ledger_writes w ON w.seq = e.seq LEFT JOIN ledger_openings o ON o.seq = e.seq
		WHERE e.seq > `+l.d.ph(1)+` ORDER BY e.seq LIMIT `+l.d.ph(2), int64(after), limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []ledger.Event
	next := after + 1
	for rows.Next() {
		var seq int64
		var data, writes, openings []byte
		if err := rows.Scan(&seq, &data, &writes, &openings); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		if uint64(seq) != next {
			return nil, fmt.Errorf("entry %d follows %d: %w", seq, next-1, models.ErrTampered)
		}
		e, err := DecodeEntry(data)
		if err != nil || e.Seq != uint64(seq) {
			return nil, fmt.Errorf("entry %d does not decode (%v): %w", seq, err, models.ErrTampered)
		}
		if e.Tx.Format == FormatV2 {
			if table, err := fillV2(&e, writes, openings); err != nil {
				return nil, fmt.Errorf("entry %d: %s: %v: %w", seq, table, err, models.ErrTampered)
			}
		}
		out = append(out, EventOf(e))
		next++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// EventOf returns the event a decoded entry records (a v2 entry once
// fillV2 has completed it).
func EventOf(e Entry) ledger.Event {
	ws := make([]ledger.Write, len(e.Writes))
	for i, w := range e.Writes {
		ws[i] = ledger.Write{Key: w.Key, Value: w.Value}
	}
	return ledger.Event{
		Seq: e.Seq, TxID: e.Tx.TxID, Type: e.Tx.Type, Args: e.Tx.Args,
		Org: e.Tx.Org, User: e.Tx.User, Role: e.Tx.Role, Time: e.Tx.Time, Writes: ws,
	}
}

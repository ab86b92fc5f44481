package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

// TestCheckEventLog applies events, finds the tables matching them, then
// finds each kind of edit to rm_events and rm_event_batches, located by
// table and event.
func TestCheckEventLog(t *testing.T) {
	// Nanoseconds in the time: PostgreSQL keeps microseconds, and that is
	// not a difference.
	at := time.Date(2026, 3, 1, 8, 30, 0, 123456789, time.UTC)
	events := func() []Event {
		var out []Event
		for i := uint64(1); i <= 1500; i++ { // more than one chunk
			e := Event{Seq: i, TxID: fmt.Sprintf("tx-%d", i), Type: "RecordUsage", Org: "builder", User: "builder.op",
				Role: models.RoleOperator, Time: at.Add(time.Duration(i) * time.Second), Args: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
			if i%3 == 0 {
				e.Batches = []string{"B-2", "B-1", "B-2", ""}
			}
			out = append(out, e)
		}
		return out
	}
	cases := []struct {
		name  string
		edit  string
		table string
		seq   uint64
	}{
		{"submitter changed", `UPDATE rm_events SET org_id = 'intruder' WHERE seq = 1200`, "rm_events", 1200},
		{"tx id changed", `UPDATE rm_events SET tx_id = 'forged' WHERE seq = 7`, "rm_events", 7},
		{"args changed", `UPDATE rm_events SET args = '{"n":0}' WHERE seq = 8`, "rm_events", 8},
		{"event put on another batch", `INSERT INTO rm_event_batches (batch_code, seq) VALUES ('OTHER', 4)`, "rm_event_batches", 4},
		{"event taken off its batch", `DELETE FROM rm_event_batches WHERE seq = 9 AND batch_code = 'B-1'`, "rm_event_batches", 9},
		{"event deleted", `DELETE FROM rm_events WHERE seq = 1100`, "rm_events", 1100},
	}
	dbtest.Each(t, func(t *testing.T, dialect string) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx, st := openStore(t, dialect)
				cs := NewChangeset()
				evs := events()
				for _, e := range evs {
					if err := cs.AddEvent(e); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := st.Apply(ctx, cs); err != nil {
					t.Fatal(err)
				}
				each := func(fn func(Event) error) error {
					for _, e := range events() {
						if err := fn(e); err != nil {
							return err
						}
					}
					return nil
				}
				if err := st.CheckEventLog(ctx, each); err != nil {
					t.Fatalf("before the edit: %v", err)
				}
				if err := st.db.Exec(c.edit).Error; err != nil {
					t.Fatal(err)
				}
				err := st.CheckEventLog(ctx, each)
				var m *Mismatch
				if !errors.As(err, &m) || !errors.Is(err, models.ErrTampered) || m.Table != c.table || m.Seq != c.seq {
					t.Fatalf("after %s: %v, want a mismatch in %s at event %d", c.edit, err, c.table, c.seq)
				}
				t.Logf("found: %v", err)
			})
		}
	})
}

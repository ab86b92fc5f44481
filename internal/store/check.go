package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// Mismatch is the first place where the read model differs from the
// ledger. It wraps models.ErrTampered.
type Mismatch struct {
	Table string // read-model table, e.g. rm_batches
	Key   string // world-state key of the record, e.g. batch/C-001; "" for the events table
	Seq   uint64 // the event that last changed the row, when known
	What  string // what differs, in words
}

// Error implements error.
func (m *Mismatch) Error() string {
	s := "read model " + m.Table
	if m.Key != "" {
		s += " " + m.Key
	}
	if m.Seq != 0 {
		s += fmt.Sprintf(" (event %d)", m.Seq)
	}
	return s + ": " + m.What
}

// Unwrap makes errors.Is(err, models.ErrTampered) true.
func (m *Mismatch) Unwrap() error { return models.ErrTampered }

// checkChunk is how many rows Check reads from a table at a time.
const checkChunk = 1000

// Check proves that the read model matches the ledger: head is the
// ledger's last sequence number and state iterates its world state (as
// verification replays it) as key/value pairs, keys ascending within each
// prefix. Every record table is compared with the state in both directions
// (a missing row, an extra row, a row whose fields differ, a child row
// without its record), and the events table must hold exactly events 1…head
// with the checkpoint at head. The first difference is returned as a
// *Mismatch; other errors mean the check could not run.
//
// Check streams both sides in key order, holding one chunk of each table in
// memory. Run it while the projector is caught up with head and idle.
func (s *Store) Check(ctx context.Context, head uint64, state iter.Seq2[string, []byte]) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends reads ahead that are no longer wanted
	cursors := s.checkCursors(ctx)
	byPrefix := map[string]*cursor{}
	for _, c := range cursors {
		byPrefix[c.prefix] = c
	}
	var failure error
	lastKey := map[string]string{}
	for key, value := range state {
		prefix, id := models.SplitKey(key)
		c, ok := byPrefix[prefix]
		if !ok {
			continue // not a record the read model projects
		}
		if last, seen := lastKey[prefix]; seen && id <= last {
			failure = fmt.Errorf("check read model: world-state key %s came after %s%s; keys must ascend", key, prefix, last)
			break
		}
		lastKey[prefix] = id
		if failure = c.match(id, value); failure != nil {
			break
		}
	}
	if failure != nil {
		return failure
	}
	for _, c := range cursors {
		it, err := c.peek()
		if err != nil {
			return err
		}
		if it != nil {
			return &Mismatch{Table: c.table, Key: c.prefix + it.key, Seq: it.seq, What: "row is not in the ledger's world state"}
		}
	}
	if err := s.checkOrphans(ctx); err != nil {
		return err
	}
	return s.checkEvents(ctx, head)
}

// checkItem is one record rebuilt from the read model.
type checkItem struct {
	key string
	seq uint64
	rec any
}

// cursor walks one record table in key order, a chunk at a time, reading
// the next chunk in the background while the current one is compared.
type cursor struct {
	table, prefix string
	load          func(after string, n int) ([]checkItem, error)
	decode        func(value []byte) (any, error) // the ledger's value as the same type
	buf           []checkItem
	done          bool
	next          chan chunk // the chunk being read; nil when none
}

type chunk struct {
	items []checkItem
	err   error
}

// fetch starts reading the chunk after key after.
func (c *cursor) fetch(after string) {
	ch := make(chan chunk, 1)
	go func() {
		items, err := c.load(after, checkChunk)
		ch <- chunk{items, err}
	}()
	c.next = ch
}

// peek returns the current row, or nil when the table is exhausted.
func (c *cursor) peek() (*checkItem, error) {
	if len(c.buf) == 0 && !c.done {
		if c.next == nil {
			c.fetch("")
		}
		r := <-c.next
		c.next = nil
		if r.err != nil {
			return nil, fmt.Errorf("check read model %s: %w", c.table, r.err)
		}
		c.buf, c.done = r.items, len(r.items) < checkChunk
		if !c.done {
			c.fetch(r.items[len(r.items)-1].key)
		}
	}
	if len(c.buf) == 0 {
		return nil, nil
	}
	return &c.buf[0], nil
}

// match compares the ledger's record id (with value) with the table's rows.
func (c *cursor) match(id string, value []byte) error {
	for {
		it, err := c.peek()
		if err != nil {
			return err
		}
		switch {
		case it == nil || it.key > id:
			return &Mismatch{Table: c.table, Key: c.prefix + id, What: "row is missing"}
		case it.key < id:
			return &Mismatch{Table: c.table, Key: c.prefix + it.key, Seq: it.seq, What: "row is not in the ledger's world state"}
		}
		c.buf = c.buf[1:]
		// The contract stores json.Marshal of the same models type, so
		// equal records almost always have equal bytes.
		if got, err := json.Marshal(it.rec); err == nil && bytes.Equal(got, value) {
			return nil
		}
		want, err := c.decode(value)
		if err != nil {
			return fmt.Errorf("check read model: decode world-state %s%s: %w", c.prefix, id, err)
		}
		if what := diffRecords(want, it.rec); what != "" {
			return &Mismatch{Table: c.table, Key: c.prefix + id, Seq: it.seq, What: what}
		}
		return nil
	}
}

// diffRecords compares two records of one type by their JSON encodings and
// describes the first field (in name order) that differs; "" when equal.
// A null list and an empty list count as equal.
func diffRecords(ledger, read any) string {
	a, errA := json.Marshal(ledger)
	b, errB := json.Marshal(read)
	if err := errors.Join(errA, errB); err != nil {
		return "cannot encode record: " + err.Error()
	}
	if bytes.Equal(a, b) {
		return ""
	}
	var fa, fb map[string]json.RawMessage
	if json.Unmarshal(a, &fa) != nil || json.Unmarshal(b, &fb) != nil {
		return "record differs"
	}
	names := map[string]bool{}
	for k := range fa {
		names[k] = true
	}
	for k := range fb {
		names[k] = true
	}
	var diff []string
	for k := range names {
		if !sameJSON(fa[k], fb[k]) {
			diff = append(diff, k)
		}
	}
	if len(diff) == 0 {
		return ""
	}
	first := diff[0]
	for _, k := range diff[1:] {
		first = min(first, k)
	}
	return fmt.Sprintf("field %s differs: ledger %s, read model %s", first, clip(fa[first]), clip(fb[first]))
}

func sameJSON(a, b json.RawMessage) bool {
	empty := func(m json.RawMessage) bool { s := string(m); return s == "" || s == "null" || s == "[]" }
	return bytes.Equal(a, b) || empty(a) && empty(b)
}

func clip(m json.RawMessage) string {
	s := string(m)
	if s == "" {
		s = "absent"
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return strings.ReplaceAll(s, "\n", " ")
}

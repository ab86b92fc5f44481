package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// stateCache is the sequencer's bounded write-through cache of committed
// world state, including known-absent keys. Only the sequencer goroutine
// touches it; the sequencer is the only writer of ledger_state, so the
// cache never goes stale while the ledger runs.
type stateCache struct {
	max int
	m   map[string]cached
}

type cached struct {
	v       []byte
	present bool
}

func newStateCache(max int) *stateCache { return &stateCache{max: max, m: map[string]cached{}} }

func (c *stateCache) clear() { c.m = map[string]cached{} }

func (c *stateCache) get(k string) (cached, bool) {
	v, ok := c.m[k]
	return v, ok
}

func (c *stateCache) put(k string, v cached) {
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		// Evict about an eighth, in Go's randomised map order.
		n := max(1, c.max/8)
		for key := range c.m {
			delete(c.m, key)
			if n--; n == 0 {
				break
			}
		}
	}
	c.m[k] = v
}

// overlay is the world state one group executes against: the group's own
// uncommitted writes over the committed state (cache, then database).
type overlay struct {
	l       *Ledger
	ctx     context.Context
	pending map[string][]byte
	seq     map[string]uint64 // the seq of the entry that last wrote each pending key
}

var _ contract.State = (*overlay)(nil)

func newOverlay(ctx context.Context, l *Ledger) *overlay {
	return &overlay{l: l, ctx: ctx, pending: map[string][]byte{}, seq: map[string]uint64{}}
}

// Get implements contract.State.
func (o *overlay) Get(key string) ([]byte, error) {
	if v, ok := o.pending[key]; ok {
		return v, nil
	}
	c, ok := o.l.cache.get(key)
	if !ok {
		var v []byte
		err := o.l.db.QueryRowContext(o.ctx, `SELECT value FROM ledger_state WHERE state_key = `+o.l.d.ph(1), key).Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			c = cached{}
		case err != nil:
			return nil, fmt.Errorf("read state %q: %w", key, err)
		default:
			c = cached{v: v, present: true}
		}
		o.l.cache.put(key, c)
	}
	if !c.present {
		return nil, fmt.Errorf("state key %q: %w", key, models.ErrNotFound)
	}
	return c.v, nil
}

// Put implements contract.State.
func (o *overlay) Put(key string, value []byte) error {
	o.pending[key] = append([]byte(nil), value...)
	return nil
}

// Range implements contract.State: committed keys under prefix from the
// database, overridden by the group's writes, in ascending byte order.
func (o *overlay) Range(prefix string, fn func(key string, value []byte) error) error {
	merged := map[string][]byte{}
	q := `SELECT state_key, value FROM ledger_state WHERE state_key >= ` + o.l.d.ph(1)
	args := []any{prefix}
	if end, ok := prefixEnd(prefix); ok {
		q += ` AND state_key < ` + o.l.d.ph(2)
		args = append(args, end)
	}
	rows, err := o.l.db.QueryContext(o.ctx, q, args...)
	if err != nil {
		return fmt.Errorf("range state %q: %w", prefix, err)
	}
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return fmt.Errorf("range state %q: %w", prefix, err)
		}
		if strings.HasPrefix(k, prefix) {
			merged[k] = v
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("range state %q: %w", prefix, err)
	}
	return contract.RangeMerged(prefix, merged, o.pending, fn)
}

// prefixEnd returns the smallest string greater than every string with
// the prefix, if there is one.
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0x7f { // stay ASCII: PostgreSQL text must be valid UTF-8
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

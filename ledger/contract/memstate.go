package contract

import (
	"fmt"
	"iter"
	"sort"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// MemState is an in-memory State: the replay target of verification and the
// state of contract tests. The zero value is not usable; call NewMemState.
type MemState struct {
	kv map[string][]byte
}

// NewMemState returns an empty in-memory state.
func NewMemState() *MemState { return &MemState{kv: map[string][]byte{}} }

// Get implements State.
func (m *MemState) Get(key string) ([]byte, error) {
	v, ok := m.kv[key]
	if !ok {
		return nil, fmt.Errorf("state key %q: %w", key, models.ErrNotFound)
	}
	return v, nil
}

// Put implements State.
func (m *MemState) Put(key string, value []byte) error {
	m.kv[key] = append([]byte(nil), value...)
	return nil
}

// Range implements State.
func (m *MemState) Range(prefix string, fn func(key string, value []byte) error) error {
	keys := make([]string, 0)
	for k := range m.kv {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn(k, m.kv[k]); err != nil {
			if err == ErrStop {
				return nil
			}
			return err
		}
	}
	return nil
}

// Len returns the number of keys.
func (m *MemState) Len() int { return len(m.kv) }

// All iterates over every key and value in ascending key order.
func (m *MemState) All() iter.Seq2[string, []byte] {
	return func(yield func(string, []byte) bool) {
		keys := make([]string, 0, len(m.kv))
		for k := range m.kv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !yield(k, m.kv[k]) {
				return
			}
		}
	}
}

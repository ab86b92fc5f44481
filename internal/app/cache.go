package app

import "sync"

// ReadCache remembers values computed from the read model, keyed by a
// string, for as long as the read model has not moved on (the projector's
// Applied position): a write anywhere invalidates every entry, so nothing
// stale is ever served. It holds at most max entries.
type ReadCache[T any] struct {
	mu      sync.Mutex
	max     int
	entries map[string]readEntry[T]
}

type readEntry[T any] struct {
	at  uint64
	val T
}

// NewReadCache returns an empty cache of at most max entries.
func NewReadCache[T any](max int) *ReadCache[T] {
	return &ReadCache[T]{max: max, entries: map[string]readEntry[T]{}}
}

// Get returns the value for key at read-model position at, computing it
// with load on a miss. Errors are not cached.
func (c *ReadCache[T]) Get(key string, at uint64, load func() (T, error)) (T, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && e.at == at {
		return e.val, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.Put(key, at, v)
	return v, nil
}

// Peek returns the value kept for key at position at, if any.
func (c *ReadCache[T]) Peek(key string, at uint64) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.at != at {
		var zero T
		return zero, false
	}
	return e.val, true
}

// Put keeps v for key at position at.
func (c *ReadCache[T]) Put(key string, at uint64, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[key] = readEntry[T]{at: at, val: v}
}

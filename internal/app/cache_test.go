package app

import (
	"errors"
	"testing"
)

func TestReadCache(t *testing.T) {
	c := NewReadCache[int](2)
	loads := 0
	load := func(v int) func() (int, error) { return func() (int, error) { loads++; return v, nil } }
	steps := []struct {
		key       string
		at        uint64
		value     int
		wantValue int
		wantLoads int
	}{
		{"a", 1, 10, 10, 1}, // miss
		{"a", 1, 11, 10, 1}, // hit: same position
		{"a", 2, 12, 12, 2}, // the read model moved on
		{"b", 2, 20, 20, 3},
		{"c", 2, 30, 30, 4}, // full: cleared, then kept
		{"a", 2, 13, 13, 5}, // cleared with the rest
	}
	for i, s := range steps {
		got, err := c.Get(s.key, s.at, load(s.value))
		if err != nil || got != s.wantValue || loads != s.wantLoads {
			t.Fatalf("step %d: got %d, %v after %d loads; want %d after %d", i, got, err, loads, s.wantValue, s.wantLoads)
		}
	}
	if _, err := c.Get("e", 3, func() (int, error) { return 0, errors.New("boom") }); err == nil {
		t.Fatal("the load's error was not returned")
	}
	if _, ok := c.Peek("e", 3); ok {
		t.Fatal("an error was cached")
	}
	if v, ok := c.Peek("a", 2); !ok || v != 13 {
		t.Fatalf("peek a@2 = %d, %v", v, ok)
	}
	if _, ok := c.Peek("a", 3); ok {
		t.Fatal("peek served a value of an older position")
	}
}

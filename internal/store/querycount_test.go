package store

import (
	"context"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
)

func TestCountQueriesCountsOnlyItsContext(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		countQueries(t, dialect)
	})
}

func countQueries(t *testing.T, dialect string) {
	s, err := Open(context.Background(), dbtest.Open(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	ctx, n := CountQueries(context.Background())
	if _, err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BatchesByCode(ctx, []string{"A", "B", "C"}); err != nil {
		t.Fatal(err)
	}
	got := n.Load()
	if got < 2 {
		t.Fatalf("counted %d queries, want at least 2", got)
	}
	if _, err := s.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n.Load() != got {
		t.Fatalf("a query under another context was counted: %d, want %d", n.Load(), got)
	}
}

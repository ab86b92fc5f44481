package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

func openStore(t *testing.T, dialect string) (context.Context, *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	st, err := Open(ctx, dbtest.Open(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	// Opening again migrates nothing and keeps the data.
	if _, err := Open(ctx, st.db); err != nil {
		t.Fatalf("second Open: %v", err)
	}
	return ctx, st
}

// graph applies one event that writes a batch per "child<parent,parent"
// spec, so tests can build lineage shapes the contract would never allow.
func graph(t *testing.T, ctx context.Context, st *Store, specs ...string) {
	t.Helper()
	cs := NewChangeset()
	seq, _ := st.Checkpoint(ctx)
	seq++
	if err := cs.AddEvent(Event{Seq: seq, TxID: fmt.Sprint("tx", seq), Type: "Test", Time: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		code, parents, _ := strings.Cut(s, "<")
		b := models.Batch{Code: code, ProductID: "p", Status: models.StatusAvailable, Quantity: 1000, Lineage: models.LineageSplit}
		for _, p := range strings.Split(parents, ",") {
			if p != "" {
				b.Parents = append(b.Parents, models.BatchInput{Code: p, Quantity: 1000})
			}
		}
		cs.PutBatch(seq, b)
	}
	if _, err := st.Apply(ctx, cs); err != nil {
		t.Fatal(err)
	}
}

func traceString(tr Trace) string {
	var b strings.Builder
	for _, n := range tr.Nodes {
		fmt.Fprintf(&b, "%s@%d ", n.Code, n.Depth)
	}
	b.WriteString("|")
	for _, e := range tr.Edges {
		fmt.Fprintf(&b, " %s>%s@%d", e.Parent, e.Child, e.Depth)
	}
	if tr.Truncated {
		b.WriteString(" …")
	}
	return b.String()
}

func TestTraceShapes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		ctx, st := openStore(t, dialect)
		// A diamond (D from B and C, both from A), a cycle (X ↔ Y, which the
		// contract never makes) and a chain of 300 batches.
		graph(t, ctx, st, "A<", "B<A", "C<A", "D<B,C", "X<Y", "Y<X")
		var chain []string
		for i := range 300 {
			s := fmt.Sprintf("L%03d<", i)
			if i > 0 {
				s += fmt.Sprintf("L%03d", i-1)
			}
			chain = append(chain, s)
		}
		graph(t, ctx, st, chain...)
		cases := []struct {
			forward bool
			code    string
			depth   int
			want    string
		}{
			{false, "D", 0, "D@0 B@1 C@1 A@2 | B>D@1 C>D@1 A>B@2 A>C@2"},
			{true, "A", 0, "A@0 B@1 C@1 D@2 | A>B@1 A>C@1 B>D@2 C>D@2"},
			{true, "A", 1, "A@0 B@1 C@1 | A>B@1 A>C@1 …"},
			{false, "X", 0, "X@0 Y@1 | Y>X@1 X>Y@2"},
			{true, "X", 5, "X@0 Y@1 | X>Y@1 Y>X@2"},
			{false, "L005", 0, "L005@0 L004@1 L003@2 L002@3 L001@4 L000@5 | L004>L005@1 L003>L004@2 L002>L003@3 L001>L002@4 L000>L001@5"},
		}
		for _, c := range cases {
			f := st.Backward
			if c.forward {
				f = st.Forward
			}
			tr, err := f(ctx, c.code, c.depth)
			if err != nil {
				t.Fatal(err)
			}
			if got := traceString(tr); got != c.want {
				t.Errorf("trace %s forward=%v depth %d:\n got %s\nwant %s", c.code, c.forward, c.depth, got, c.want)
			}
		}
		tr, err := st.Backward(ctx, "L299", 0)
		if err != nil || len(tr.Nodes) != DefaultTraceDepth+1 || !tr.Truncated || tr.MaxDepth != DefaultTraceDepth {
			t.Errorf("default depth: %d nodes, truncated %v, %v", len(tr.Nodes), tr.Truncated, err)
		}
		tr, err = st.Forward(ctx, "L000", 10000)
		if err != nil || len(tr.Nodes) != MaxTraceDepth+1 || tr.MaxDepth != MaxTraceDepth || !tr.Truncated {
			t.Errorf("depth cap: %d nodes, max %d, %v", len(tr.Nodes), tr.MaxDepth, err)
		}
	})
}

func TestApplyRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		ctx, st := openStore(t, dialect)
		cs := NewChangeset()
		if err := cs.AddEvent(Event{Seq: 1}); err != nil {
			t.Fatal(err)
		}
		if err := cs.AddEvent(Event{Seq: 3}); err == nil {
			t.Fatal("AddEvent accepted a gap")
		}
		// A later write of a key in the same changeset wins.
		cs.PutBatch(1, models.Batch{Code: "A", Status: models.StatusAvailable})
		cs.PutBatch(1, models.Batch{Code: "A", Status: models.StatusOnHold})
		if head, err := st.Apply(ctx, cs); err != nil || head != 1 {
			t.Fatalf("Apply = %d, %v", head, err)
		}
		if b, err := st.Batch(ctx, "A"); err != nil || b.Status != models.StatusOnHold {
			t.Fatalf("Batch(A) = %+v, %v", b, err)
		}
		if head, err := st.Apply(ctx, NewChangeset()); err != nil || head != 1 {
			t.Fatalf("empty Apply = %d, %v", head, err)
		}
		if _, err := st.Batch(ctx, "B"); !errors.Is(err, models.ErrNotFound) || errors.Unwrap(err) == nil {
			t.Fatalf("missing batch: %v", err)
		}
		if err := st.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if cp, err := st.Checkpoint(ctx); err != nil || cp != 0 {
			t.Fatalf("checkpoint after Reset = %d, %v", cp, err)
		}
		if _, err := st.Batch(ctx, "A"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("batch after Reset: %v", err)
		}
	})
}

func TestDiffRecords(t *testing.T) {
	a := models.Shipment{Code: "S", Lines: nil, Status: "in_transit"}
	b := models.Shipment{Code: "S", Lines: []models.ShipmentLine{}, Status: "in_transit"}
	if d := diffRecords(&a, &b); d != "" {
		t.Errorf("nil and empty lines differ: %s", d)
	}
	b.Status, b.Vehicle = "received", "truck"
	if d := diffRecords(&a, &b); !strings.HasPrefix(d, "field status differs") || !strings.Contains(d, `"received"`) {
		t.Errorf("diff = %q", d)
	}
}

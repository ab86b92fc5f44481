package access

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// fakeStore is the read model without a database.
type fakeStore struct {
	batches   map[string]models.Batch
	shipments map[string][]models.Shipment
	timeline  map[string][]store.Event
	fail      error // Timeline's error
}

func (f *fakeStore) Batch(_ context.Context, code string) (models.Batch, error) {
	b, ok := f.batches[code]
	if !ok {
		return b, models.NotFound("", "batch %q does not exist", code)
	}
	return b, nil
}

func (f *fakeStore) BatchShipments(_ context.Context, code string) ([]models.Shipment, error) {
	return f.shipments[code], nil
}

func (f *fakeStore) Timeline(_ context.Context, code string, after uint64, limit int) ([]store.Event, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	var out []store.Event
	for _, e := range f.timeline[code] {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeStore) EventBatches(context.Context, uint64) ([]string, error) {
	return []string{"B1"}, nil
}

func (f *fakeStore) Case(_ context.Context, id string) (models.Case, error) {
	return models.Case{ID: id}, nil
}

// TestParties: the one parties lookup finds the producer, owner and
// custodian, every shipment's sender, receiver and carrier, and every
// submitter of the batch's entries, however long its timeline.
func TestParties(t *testing.T) {
	st := &fakeStore{
		batches:   map[string]models.Batch{"B1": {Code: "B1", Producer: "mill", Owner: "builder", Custodian: "site"}},
		shipments: map[string][]models.Shipment{"B1": {{From: "mill", To: "depot", Carrier: "trucks"}, {From: "depot", To: "site", Carrier: "barges"}}},
		timeline:  map[string][]store.Event{},
	}
	// 2,500 entries, so the lookup reads three pages; the last submitter
	// appears only on the last page.
	for i := range 2500 {
		org := "lab"
		if i == 2499 {
			org = "late-submitter"
		}
		if i == 7 {
			org = "" // an entry without an organization names nobody
		}
		st.timeline["B1"] = append(st.timeline["B1"], store.Event{Seq: uint64(10 + i), Org: org})
	}
	got, err := FromStore(st).Parties(t.Context(), "B1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"barges", "builder", "depot", "lab", "late-submitter", "mill", "site", "trucks"}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, want) {
		t.Errorf("parties %q, want %q", keys, want)
	}
	if _, err := FromStore(st).Parties(t.Context(), "B404"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("missing batch: %v", err)
	}
	st.fail = fmt.Errorf("disk on fire")
	if _, err := FromStore(st).Parties(t.Context(), "B1"); !errors.Is(err, st.fail) {
		t.Errorf("a failing timeline: %v", err)
	}
	// The source passes the rest through.
	src := FromStore(st)
	if codes, err := src.EventBatches(t.Context(), 1); err != nil || !slices.Equal(codes, []string{"B1"}) {
		t.Errorf("EventBatches: %v %v", codes, err)
	}
	if c, err := src.Case(t.Context(), "C9"); err != nil || c.ID != "C9" {
		t.Errorf("Case: %v %v", c, err)
	}
}

// The read model is a Store.
var _ Store = (*store.Store)(nil)

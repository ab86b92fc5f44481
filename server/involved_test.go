package server

import (
	"net/url"
	"testing"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// TestInvolvementIsOneRule checks that every route guarding a batch's
// private tier agrees on who is involved: a carrier that only carried the
// batch (and submitted none of its entries) is involved everywhere, an
// unrelated manufacturer nowhere.
func TestInvolvementIsOneRule(t *testing.T) {
	f := newFixture(t, true)
	ships, err := f.store.Shipments(t.Context(), store.ShipmentFilter{Carrier: "zhehang-logistics", Status: models.ShipmentReceived, Limit: 1})
	if err != nil || len(ships.Items) == 0 {
		t.Fatalf("a received demo shipment: %v", err)
	}
	sh := ships.Items[0]
	b, err := f.store.Batch(t.Context(), sh.Lines[0].Batch)
	if err != nil {
		t.Fatal(err)
	}
	code := url.PathEscape(b.Code)
	carrier, stranger := f.token(t, "zhehang-logistics.viewer"), f.token(t, "qiantang-glass.viewer")
	if b.Producer == "qiantang-glass" || sh.From == "qiantang-glass" || sh.To == "qiantang-glass" {
		t.Skip("the demo's first shipment involves the glass works")
	}
	for _, path := range []string{"/api/v1/batches/" + code + "/inspections", "/api/v1/batches/" + code + "/usages"} {
		var e apiErr
		if got := f.call(t, carrier, "GET", path, nil, &e); got != 200 {
			t.Errorf("carrier of %s: GET %s = %d %v, want 200", b.Code, path, got, e)
		}
		if got := f.call(t, stranger, "GET", path, nil, &e); got != 403 {
			t.Errorf("unrelated manufacturer: GET %s = %d, want 403", path, got)
		}
	}
	var detail struct {
		Documents []models.Document `json:"documents"`
	}
	f.call(t, carrier, "GET", "/api/v1/batches/"+code, nil, &detail)
	var pub struct {
		Documents []models.Document `json:"documents"`
	}
	f.call(t, stranger, "GET", "/api/v1/batches/"+code, nil, &pub)
	for _, d := range pub.Documents {
		if d.Visibility == models.Private {
			t.Errorf("an unrelated organization sees private document %s", d.Name)
		}
	}
}

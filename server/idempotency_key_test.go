package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// TestIdempotencyKeyTooLong: a key over 120 characters is a 422 naming
// Idempotency-Key, through a plain write and through the commission use
// case (which derives its documents' keys from it), and nothing commits.
func TestIdempotencyKeyTooLong(t *testing.T) {
	f := newFixture(t, true)
	tok := f.token(t, siteSupplier)
	head := func() uint64 { h, _ := f.ledger.Head(t.Context()); return h }
	before := head()
	for _, c := range []struct {
		path string
		body any
	}{
		{"/api/v1/batches", contract.CommissionBatchArgs{Code: "KEY-1", ProductID: "po-42.5", Quantity: models.MustDecimal("5"), ProducedOn: "2026-03-01"}},
	} {
		raw, _ := json.Marshal(c.body)
		req, _ := http.NewRequest(http.MethodPost, f.URL+c.path, strings.NewReader(string(raw)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Idempotency-Key", strings.Repeat("k", 121))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e apiErr
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || e.Error.Field != "Idempotency-Key" {
			t.Errorf("POST %s with a 121-character key: %d %+v", c.path, resp.StatusCode, e.Error)
		}
	}
	// The commission form (its key is a hidden field the server wrote, so
	// only a tampered form gets here): refused before any transaction.
	cl := f.login(t, siteSupplier)
	st, _ := cl.post(t, "/batches/new", map[string][]string{"code": {"KEY-2"}, "product_id": {"po-42.5"}, "quantity": {"5"},
		"produced_on": {"2026-03-01"}, "idempotency_key": {strings.Repeat("k", 121)}})
	if st != http.StatusUnprocessableEntity {
		t.Errorf("commission form with a 121-character key: %d", st)
	}
	if h := head(); h != before {
		t.Errorf("the ledger grew from %d to %d", before, h)
	}
}

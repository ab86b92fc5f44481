package contract

import (
	"errors"
	"slices"
	"testing"

	"github.com/plumbline/plumbline/models"
)

// TestValidateMarksEveryField: a check reports every invalid field at
// once, the first one first (errors.Is and errors.As still see it), so a
// form marks them all in one round trip.
func TestValidateMarksEveryField(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   interface{ Validate() error }
		fields []string
	}{
		{"commission", &CommissionBatchArgs{Code: "a b", ProductID: "po-42.5", Quantity: -1, ProducedOn: "2026-13-45", LotNumber: string(make([]byte, 65))},
			[]string{"code", "quantity", "produced_on", "lot_number"}},
		{"shipment", &DispatchShipmentArgs{Code: "SH-1", To: "", Carrier: "x y", Lines: []DispatchLine{{Batch: "B-1", Quantity: 0}, {Batch: "", Quantity: 1}}},
			[]string{"to", "carrier", "lines[0].quantity", "lines[1].batch"}},
		{"inspection", &RecordInspectionArgs{Batch: "B-1", Type: "", Verdict: "maybe"},
			[]string{"type", "verdict"}},
		{"one bad field", &RecallBatchArgs{Batch: "B-1", Reason: "cracks", Severity: "apocalyptic"},
			[]string{"severity"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.args.Validate()
			if !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("%v is not invalid", err)
			}
			var got []string
			for _, e := range models.Fields(err) {
				got = append(got, e.Field)
				if e.Code == "" {
					t.Errorf("%s: %q has no message code", e.Field, e.Message)
				}
			}
			if !slices.Equal(got, c.fields) {
				t.Errorf("fields %v, want %v (%v)", got, c.fields, err)
			}
		})
	}
}

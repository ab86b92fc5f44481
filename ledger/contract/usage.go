package contract

import (
	"github.com/plumbline/plumbline/models"
)

// RecordUsageArgs records material going into the works (EPCIS bizStep
// installing).
type RecordUsageArgs struct {
	Batch    string          `json:"batch"`
	Quantity models.Decimal  `json:"quantity"`
	Location models.Location `json:"location"`
}

// Validate implements validator.
func (a *RecordUsageArgs) Validate() error {
	var v models.Collect
	v.Add(models.ValidateID("batch", a.Batch))
	v.Add(positive("quantity", a.Quantity))
	v.Add(validateLocation("location", a.Location))
	return v.Err()
}

func init() {
	register("RecordUsage", recordUsage)
}

// recordUsage: a contractor that holds a batch puts some of it into the
// works. A batch whose product has a hold point must pass inspection first.
func recordUsage(tc *txc, a *RecordUsageArgs) error {
	org, err := tc.allow("RecordUsage")
	if err != nil {
		return err
	}
	b, err := tc.batch("batch", a.Batch)
	if err != nil {
		return err
	}
	if err := custodyOf("batch", b, org.ID); err != nil {
		return err
	}
	if err := movable("batch", b); err != nil {
		return err
	}
	if err := usable("batch", b); err != nil {
		return err
	}
	if err := enough("quantity", b, a.Quantity); err != nil {
		return err
	}
	u := models.Usage{
		ID:         tc.call.TxID,
		BatchCode:  b.Code,
		Quantity:   a.Quantity,
		Unit:       b.Unit,
		Location:   a.Location,
		Contractor: org.ID,
		User:       tc.call.User,
		UsedAt:     tc.now(),
		TxID:       tc.call.TxID,
	}
	take(b, a.Quantity)
	if err := tc.putBatch(b); err != nil {
		return err
	}
	return tc.putJSON(models.PrefixUsage, u.ID, u)
}

// usable enforces the hold point: a batch is used or mixed only once its
// inspection state allows it.
func usable(field string, b *models.Batch) error {
	if b.Inspection.Usable() {
		return nil
	}
	return models.Conflict(field, "batch %s cannot be used yet: its product requires inspection and an inspection must pass first (inspection is %s)", b.Code, b.Inspection)
}

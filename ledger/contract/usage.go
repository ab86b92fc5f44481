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
	if err := models.ValidateID("batch", a.Batch); err != nil {
		return err
	}
	if err := positive("quantity", a.Quantity); err != nil {
		return err
	}
	return validateLocation("location", a.Location)
}

func init() {
	register("RecordUsage", recordUsage)
}

func recordUsage(tc *txc, a *RecordUsageArgs) error { return notYet() }

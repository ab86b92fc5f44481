package contract

import (
	"github.com/plumbline/plumbline/models"
)

// CommissionBatchArgs creates a new batch of one of the submitting
// manufacturer's products (EPCIS ObjectEvent ADD, bizStep commissioning).
type CommissionBatchArgs struct {
	Code       string         `json:"code"`
	ProductID  string         `json:"product_id"`
	Quantity   models.Decimal `json:"quantity"`
	ProducedOn string         `json:"produced_on"` // YYYY-MM-DD
	Origin     string         `json:"origin,omitempty"`
	HeatNumber string         `json:"heat_number,omitempty"`
	LotNumber  string         `json:"lot_number,omitempty"`
	// Documents are SHA-256 hashes (lowercase hex) of files that come with
	// the batch, such as its certificate.
	Documents []string `json:"documents,omitempty"`
}

// Validate implements validator.
func (a *CommissionBatchArgs) Validate() error {
	if err := models.ValidateID("code", a.Code); err != nil {
		return err
	}
	if err := models.ValidateID("product_id", a.ProductID); err != nil {
		return err
	}
	if err := positive("quantity", a.Quantity); err != nil {
		return err
	}
	if err := models.ValidateDate("produced_on", a.ProducedOn); err != nil {
		return err
	}
	if err := optionalText("origin", a.Origin, 200); err != nil {
		return err
	}
	if err := optionalText("heat_number", a.HeatNumber, 64); err != nil {
		return err
	}
	if err := optionalText("lot_number", a.LotNumber, 64); err != nil {
		return err
	}
	return validateHashes("documents", a.Documents)
}

func init() {
	register("CommissionBatch", commissionBatch)
}

func commissionBatch(tc *txc, a *CommissionBatchArgs) error {
	return notYet()
}

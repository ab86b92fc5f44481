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
	// ConfirmOldDate confirms a production date more than OldDateYears
	// back (V4).
	ConfirmOldDate bool `json:"confirm_old_date,omitempty"`
	// Documents are SHA-256 hashes (lowercase hex) of files that come with
	// the batch, such as its certificate.
	Documents []string `json:"documents,omitempty"`
}

// Validate implements validator.
func (a *CommissionBatchArgs) Validate() error {
	var v models.Collect
	v.Add(models.ValidateID("code", a.Code))
	v.Add(models.ValidateID("product_id", a.ProductID))
	v.Add(positive("quantity", a.Quantity))
	v.Add(models.ValidateDate("produced_on", a.ProducedOn))
	v.Add(optionalText("origin", a.Origin, 200))
	v.Add(optionalText("heat_number", a.HeatNumber, 64))
	v.Add(optionalText("lot_number", a.LotNumber, 64))
	v.Add(validateHashes("documents", a.Documents))
	return v.Err()
}

func init() {
	register("CommissionBatch", commissionBatch)
}

// commissionBatch: a manufacturer's admin or operator creates a batch of
// its own product; the manufacturer is producer, owner and custodian.
func commissionBatch(tc *txc, a *CommissionBatchArgs) error {
	org, err := tc.allow("CommissionBatch")
	if err != nil {
		return err
	}
	if err := tc.productionDate("produced_on", a.ProducedOn, a.ConfirmOldDate, true); err != nil {
		return err
	}
	p, err := tc.product("product_id", a.ProductID)
	if err != nil {
		return err
	}
	if p.Manufacturer != org.ID {
		return models.Prefix("product_id", models.Forbidden("product %s belongs to %s; commission batches of your own products only", p.ID, p.Manufacturer))
	}
	if err := tc.requireNew("code", a.Code); err != nil {
		return err
	}
	b := models.Batch{
		Code:       a.Code,
		ProductID:  p.ID,
		Producer:   org.ID,
		Quantity:   a.Quantity,
		Remaining:  a.Quantity,
		Unit:       p.Unit,
		ProducedOn: a.ProducedOn,
		Origin:     a.Origin,
		HeatNumber: a.HeatNumber,
		LotNumber:  a.LotNumber,
		Owner:      org.ID,
		Custodian:  org.ID,
		Status:     models.StatusAvailable,
		Inspection: inspectionFor(p),
		Documents:  append([]string(nil), a.Documents...),
		TxID:       tc.call.TxID,
		CreatedAt:  tc.now(),
	}
	return tc.putBatch(&b)
}

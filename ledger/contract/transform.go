package contract

import (
	"github.com/plumbline/plumbline/models"
)

// Transformation kinds of TransformBatchesArgs.
const (
	TransformSplit = "split" // one input into several outputs of the same product
	TransformMerge = "merge" // several inputs of one product into one output
	TransformMix   = "mix"   // inputs mixed or processed into other products
)

// TransformOutput is one batch a transformation creates.
type TransformOutput struct {
	Code       string         `json:"code"`
	ProductID  string         `json:"product_id"`
	Quantity   models.Decimal `json:"quantity"`
	ProducedOn string         `json:"produced_on"` // YYYY-MM-DD
	Origin     string         `json:"origin,omitempty"`
	LotNumber  string         `json:"lot_number,omitempty"`
}

// TransformBatchesArgs splits, merges or mixes batches into new batches
// (EPCIS TransformationEvent).
type TransformBatchesArgs struct {
	Kind    string              `json:"kind"` // split, merge or mix
	Inputs  []models.BatchInput `json:"inputs"`
	Outputs []TransformOutput   `json:"outputs"`
	// Yield is the total quantity a mix produces; required for mix.
	Yield *models.Decimal `json:"yield,omitempty"`
}

// Validate implements validator.
func (a *TransformBatchesArgs) Validate() error {
	switch a.Kind {
	case TransformSplit, TransformMerge, TransformMix:
	default:
		return models.Invalid("kind", "%q is not one of split, merge, mix", a.Kind)
	}
	if len(a.Inputs) == 0 {
		return models.Invalid("inputs", "at least one input is required")
	}
	if len(a.Outputs) == 0 {
		return models.Invalid("outputs", "at least one output is required")
	}
	codes := map[string]string{}
	for i, in := range a.Inputs {
		f := idx("inputs", i)
		if err := models.ValidateID(f+".code", in.Code); err != nil {
			return err
		}
		if prev, dup := codes[in.Code]; dup {
			return models.Invalid(f+".code", "batch %s is already listed as %s", in.Code, prev)
		}
		codes[in.Code] = f
		if err := positive(f+".quantity", in.Quantity); err != nil {
			return err
		}
	}
	for i, o := range a.Outputs {
		f := idx("outputs", i)
		if err := models.ValidateID(f+".code", o.Code); err != nil {
			return err
		}
		if prev, dup := codes[o.Code]; dup {
			return models.Invalid(f+".code", "batch %s is already listed as %s", o.Code, prev)
		}
		codes[o.Code] = f
		if err := models.ValidateID(f+".product_id", o.ProductID); err != nil {
			return err
		}
		if err := positive(f+".quantity", o.Quantity); err != nil {
			return err
		}
		if err := models.ValidateDate(f+".produced_on", o.ProducedOn); err != nil {
			return err
		}
		if err := optionalText(f+".origin", o.Origin, 200); err != nil {
			return err
		}
		if err := optionalText(f+".lot_number", o.LotNumber, 64); err != nil {
			return err
		}
	}
	switch a.Kind {
	case TransformSplit:
		if len(a.Inputs) != 1 {
			return models.Invalid("inputs", "a split takes exactly one input (got %d)", len(a.Inputs))
		}
	case TransformMerge:
		if len(a.Inputs) < 2 {
			return models.Invalid("inputs", "a merge takes two or more inputs (got %d)", len(a.Inputs))
		}
		if len(a.Outputs) != 1 {
			return models.Invalid("outputs", "a merge makes exactly one output (got %d)", len(a.Outputs))
		}
	case TransformMix:
		if a.Yield == nil {
			return models.Invalid("yield", "a mix declares its yield: the total quantity it produces")
		}
		if *a.Yield <= 0 {
			return models.Invalid("yield", "must be greater than 0 (got %s)", *a.Yield)
		}
	}
	if a.Kind != TransformMix && a.Yield != nil {
		return models.Invalid("yield", "is only for a mix")
	}
	return nil
}

func init() {
	register("TransformBatches", transformBatches)
}

func transformBatches(tc *txc, a *TransformBatchesArgs) error { return notYet() }

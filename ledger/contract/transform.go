package contract

import (
	"slices"
	"strings"

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
	var v models.Collect
	switch a.Kind {
	case TransformSplit, TransformMerge, TransformMix:
	default:
		v.Add(models.Invalid("kind", "%q is not one of split, merge, mix", a.Kind))
	}
	if len(a.Inputs) == 0 {
		v.Add(models.Invalid("inputs", "at least one input is required"))
	}
	if len(a.Outputs) == 0 {
		v.Add(models.Invalid("outputs", "at least one output is required"))
	}
	if err := maxList("inputs", len(a.Inputs)); err != nil {
		return models.All(v.Err(), err)
	}
	if err := maxList("outputs", len(a.Outputs)); err != nil {
		return models.All(v.Err(), err)
	}
	codes := map[string]string{}
	for i, in := range a.Inputs {
		f := idx("inputs", i)
		v.Add(models.ValidateID(f+".code", in.Code))
		if prev, dup := codes[in.Code]; dup {
			return models.All(v.Err(), models.Invalid(f+".code", "batch %s is already listed as %s", in.Code, prev))
		}
		codes[in.Code] = f
		v.Add(positive(f+".quantity", in.Quantity))
	}
	for i, o := range a.Outputs {
		f := idx("outputs", i)
		v.Add(models.ValidateID(f+".code", o.Code))
		if prev, dup := codes[o.Code]; dup {
			return models.All(v.Err(), models.Invalid(f+".code", "batch %s is already listed as %s", o.Code, prev))
		}
		codes[o.Code] = f
		v.Add(models.ValidateID(f+".product_id", o.ProductID))
		v.Add(positive(f+".quantity", o.Quantity))
		v.Add(models.ValidateDate(f+".produced_on", o.ProducedOn))
		v.Add(optionalText(f+".origin", o.Origin, 200))
		v.Add(optionalText(f+".lot_number", o.LotNumber, 64))
	}
	switch a.Kind {
	case TransformSplit:
		if len(a.Inputs) != 1 {
			return models.All(v.Err(), models.Invalid("inputs", "a split takes exactly one input (got %d)", len(a.Inputs)))
		}
	case TransformMerge:
		if len(a.Inputs) < 2 {
			return models.All(v.Err(), models.Invalid("inputs", "a merge takes two or more inputs (got %d)", len(a.Inputs)))
		}
		if len(a.Outputs) != 1 {
			return models.All(v.Err(), models.Invalid("outputs", "a merge makes exactly one output (got %d)", len(a.Outputs)))
		}
	case TransformMix:
		if a.Yield == nil {
			return models.All(v.Err(), models.Invalid("yield", "a mix declares its yield: the total quantity it produces"))
		}
		if *a.Yield <= 0 {
			return models.All(v.Err(), models.Invalid("yield", "must be greater than 0 (got %s)", *a.Yield))
		}
	}
	if a.Kind != TransformMix && a.Yield != nil {
		v.Add(models.Invalid("yield", "is only for a mix"))
	}
	return v.Err()
}

func init() {
	register("TransformBatches", transformBatches)
}

// transformBatches: the custodian of every input splits, merges or mixes
// them into new batches it produces, owns and holds. Inputs must be usable
// (hold points apply to mixing too) and outputs never exceed what went in.
func transformBatches(tc *txc, a *TransformBatchesArgs) error {
	org, err := tc.allow("TransformBatches")
	if err != nil {
		return err
	}
	inputs := make([]*models.Batch, len(a.Inputs))
	var in models.Decimal
	for i, x := range a.Inputs {
		f := idx("inputs", i)
		b, err := tc.batch(f+".code", x.Code)
		if err != nil {
			return err
		}
		if err := custodyOf(f+".code", b, org.ID); err != nil {
			return err
		}
		if err := movable(f+".code", b); err != nil {
			return err
		}
		if err := usable(f+".code", b); err != nil {
			return err
		}
		if err := enough(f+".quantity", b, x.Quantity); err != nil {
			return err
		}
		if a.Kind == TransformMerge && i > 0 && b.ProductID != inputs[0].ProductID {
			return models.Invalid(f+".code", "a merge combines batches of one product: %s is %s, but %s is %s", b.Code, b.ProductID, inputs[0].Code, inputs[0].ProductID)
		}
		inputs[i] = b
		if in, err = sum("inputs", in, x.Quantity); err != nil {
			return err
		}
	}
	var out models.Decimal
	products := make([]*models.Product, len(a.Outputs))
	for i, o := range a.Outputs {
		f := idx("outputs", i)
		// An output may keep its input's production date, however old.
		if err := tc.productionDate(f+".produced_on", o.ProducedOn, false, false); err != nil {
			return err
		}
		if a.Kind != TransformMix && o.ProductID != inputs[0].ProductID {
			return models.Invalid(f+".product_id", "a %s keeps the product: outputs must be %s like the input, not %s", a.Kind, inputs[0].ProductID, o.ProductID)
		}
		p, err := tc.product(f+".product_id", o.ProductID)
		if err != nil {
			return err
		}
		if a.Kind == TransformMix && org.Kind == models.KindManufacturer && p.Manufacturer != org.ID {
			return models.Prefix(f+".product_id", models.Forbidden("product %s belongs to %s; a manufacturer mixes into its own products only", p.ID, p.Manufacturer))
		}
		if err := tc.requireNew(f+".code", o.Code); err != nil {
			return err
		}
		products[i] = p
		if out, err = sum("outputs", out, o.Quantity); err != nil {
			return err
		}
	}
	switch {
	case a.Kind == TransformMix && out > *a.Yield:
		return models.Invalid("outputs", "outputs total %s but the mix yields %s; outputs may not exceed the declared yield", out, *a.Yield)
	case a.Kind != TransformMix && out > in:
		return models.Invalid("outputs", "outputs total %s but the inputs give only %s; a %s cannot create material", out, in, a.Kind)
	}
	return tc.applyTransform(org.ID, a, inputs, products)
}

// applyTransform creates the outputs and takes the inputs' quantities.
func (tc *txc) applyTransform(org string, a *TransformBatchesArgs, inputs []*models.Batch, products []*models.Product) error {
	lineage := models.LineageTransform
	switch a.Kind {
	case TransformSplit:
		lineage = models.LineageSplit
	case TransformMerge:
		lineage = models.LineageMerge
	}
	site := inputs[0].Site
	for _, b := range inputs {
		if b.Site != site {
			site = ""
		}
	}
	parents := append([]models.BatchInput(nil), a.Inputs...)
	for i, o := range a.Outputs {
		b := models.Batch{
			Code:       o.Code,
			ProductID:  o.ProductID,
			Producer:   org,
			Quantity:   o.Quantity,
			Remaining:  o.Quantity,
			Unit:       products[i].Unit,
			ProducedOn: o.ProducedOn,
			Origin:     o.Origin,
			LotNumber:  o.LotNumber,
			Owner:      org,
			Custodian:  org,
			Site:       site,
			Status:     models.StatusAvailable,
			Inspection: inspectionFor(products[i]),
			Parents:    parents,
			Lineage:    lineage,
			TxID:       tc.call.TxID,
			CreatedAt:  tc.now(),
		}
		if a.Kind != TransformMix {
			// The same material, cut or combined: it keeps the inspection
			// it passed (with any condition) and, when all inputs share
			// one, its heat number.
			b.Inspection, b.Condition, b.HeatNumber = sameMaterial(inputs)
		}
		if err := tc.putBatch(&b); err != nil {
			return err
		}
	}
	for i, b := range inputs {
		for _, o := range a.Outputs {
			b.Children = append(b.Children, o.Code)
		}
		take(b, a.Inputs[i].Quantity)
		if err := tc.putBatch(b); err != nil {
			return err
		}
	}
	return nil
}

// sameMaterial returns the inspection state, condition and heat number
// that outputs of a split or merge inherit. Every input is usable by then;
// when their states differ the most cautious wins (conditional, then
// released, then passed, then not required), and a conditional pass keeps
// every input's condition, so that cutting or combining material never
// drops a condition an inspector recorded. The heat number is kept when
// all inputs share it.
func sameMaterial(inputs []*models.Batch) (models.InspectionState, string, string) {
	state, heat := inputs[0].Inspection, inputs[0].HeatNumber
	var conds []string
	for _, b := range inputs {
		if caution(b.Inspection) > caution(state) {
			state = b.Inspection
		}
		if b.HeatNumber != heat {
			heat = ""
		}
		if b.Inspection == models.InspConditional && b.Condition != "" && !slices.Contains(conds, b.Condition) {
			conds = append(conds, b.Condition)
		}
	}
	if state != models.InspConditional {
		return state, "", heat
	}
	return state, strings.Join(conds, "; "), heat
}

// caution orders the usable inspection states from least to most cautious.
func caution(s models.InspectionState) int {
	switch s {
	case models.InspConditional:
		return 3
	case models.InspReleased:
		return 2
	case models.InspPassed:
		return 1
	}
	return 0
}

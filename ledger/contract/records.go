package contract

import (
	"strconv"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// batch loads the batch code; a missing batch is a not-found error on field.
func (tc *txc) batch(field, code string) (*models.Batch, error) {
	var b models.Batch
	if err := tc.getJSON(field, "batch", models.PrefixBatch, code, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// putBatch stores b, recording this transaction as its last change.
func (tc *txc) putBatch(b *models.Batch) error {
	b.UpdatedTx = tc.call.TxID
	return tc.putJSON(models.PrefixBatch, b.Code, b)
}

// product loads the product id.
func (tc *txc) product(field, id string) (*models.Product, error) {
	var p models.Product
	if err := tc.getJSON(field, "product", models.PrefixProduct, id, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// organization loads the registered organization id.
func (tc *txc) organization(field, id string) (*models.Organization, error) {
	var o models.Organization
	if err := tc.getJSON(field, "organization", models.PrefixOrg, id, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// role checks that the submitting user is an admin or has one of roles.
func (tc *txc) role(action string, roles ...models.Role) error {
	if tc.call.Role == models.RoleAdmin {
		return nil
	}
	for _, r := range roles {
		if tc.call.Role == r {
			return nil
		}
	}
	allowed := "admin"
	if len(roles) > 0 {
		allowed += ", " + roleNames(roles)
	}
	return models.Forbidden("the %s role may not %s (allowed: %s)", tc.call.Role, action, allowed)
}

// requireNew checks that no batch code exists yet.
func (tc *txc) requireNew(field, code string) error {
	ok, err := tc.exists(models.PrefixBatch, code)
	if err != nil {
		return err
	}
	if ok {
		return models.Conflict(field, "batch %s already exists; choose another code", code)
	}
	return nil
}

// nextChildCode returns "{src}.{n}" with n one more than the highest number
// already used by src's split-off children, skipping codes that exist.
func (tc *txc) nextChildCode(src *models.Batch) (string, error) {
	n := 1
	for _, c := range src.Children {
		if rest, ok := strings.CutPrefix(c, src.Code+"."); ok {
			if k, err := strconv.Atoi(rest); err == nil && k >= n {
				n = k + 1
			}
		}
	}
	for ; ; n++ {
		code := src.Code + "." + strconv.Itoa(n)
		if err := models.ValidateID("batch", code); err != nil {
			return "", models.Conflict("batch", "batch code %s is too long to split a part off (the part would be %s); ship or use it whole", src.Code, code)
		}
		ok, err := tc.exists(models.PrefixBatch, code)
		if err != nil {
			return "", err
		}
		if !ok {
			return code, nil
		}
	}
}

// splitOff takes qty (less than src.Remaining) from src into a new child
// batch that keeps everything about src but its quantity and lineage. Both
// are stored; the caller may change and store the child again.
func (tc *txc) splitOff(src *models.Batch, qty models.Decimal) (*models.Batch, error) {
	code, err := tc.nextChildCode(src)
	if err != nil {
		return nil, err
	}
	child := *src
	child.Code = code
	child.Quantity, child.Remaining = qty, qty
	child.Parents = []models.BatchInput{{Code: src.Code, Quantity: qty}}
	child.Lineage = models.LineageSplit
	child.Children = nil
	child.Documents = append([]string(nil), src.Documents...)
	child.TxID = tc.call.TxID
	child.CreatedAt = tc.now()
	src.Children = append(src.Children, code)
	take(src, qty)
	if err := tc.putBatch(src); err != nil {
		return nil, err
	}
	if err := tc.putBatch(&child); err != nil {
		return nil, err
	}
	return &child, nil
}

// take removes qty from b's remaining quantity; a batch with nothing left
// is depleted.
func take(b *models.Batch, qty models.Decimal) {
	b.Remaining -= qty
	if b.Remaining == 0 {
		b.Status = models.StatusDepleted
	}
}

// custodyOf checks that org holds custody of b.
func custodyOf(field string, b *models.Batch, org string) error {
	if b.Custodian != org {
		return models.Prefix(field, models.Forbidden("only the custodian may move or use batch %s; it is held by %s, not %s", b.Code, b.Custodian, org))
	}
	return nil
}

// movable checks b.Movable, naming field.
func movable(field string, b *models.Batch) error {
	return models.Prefix(field, b.Movable())
}

// enough checks that b has at least qty remaining.
func enough(field string, b *models.Batch, qty models.Decimal) error {
	if qty > b.Remaining {
		return models.Conflict(field, "%s %s is more than the %s %s remaining of batch %s", qty, b.Unit, b.Remaining, b.Unit, b.Code)
	}
	return nil
}

// inspectionFor is the starting inspection state of a batch of p.
func inspectionFor(p *models.Product) models.InspectionState {
	if p.InspectionRequired {
		return models.InspPending
	}
	return models.InspNotRequired
}

package contract

import (
	"encoding/json"

	"github.com/plumbline/plumbline/models"
)

// RegisterProductArgs adds a product to the submitting manufacturer's catalogue.
type RegisterProductArgs struct {
	Product models.Product `json:"product"`
}

// Validate implements validator.
func (a *RegisterProductArgs) Validate() error {
	if a.Product.TxID != "" {
		return models.Invalid("product.tx_id", "is set by the ledger; leave it empty")
	}
	return models.Prefix("product", a.Product.Validate())
}

func init() {
	register("RegisterProduct", registerProduct)
}

// registerProduct: a manufacturer's admin or operator registers its own
// products; product IDs are unique across the ledger.
func registerProduct(tc *txc, a *RegisterProductArgs) error {
	org, err := tc.allow("register products", []models.OrgKind{models.KindManufacturer}, models.RoleOperator)
	if err != nil {
		return err
	}
	p := a.Product
	if p.Manufacturer != org.ID {
		return models.Forbidden("product.manufacturer is %q but you submit for %q; a manufacturer registers only its own products", p.Manufacturer, org.ID)
	}
	if ok, err := tc.exists(models.PrefixProduct, p.ID); err != nil {
		return err
	} else if ok {
		return models.Conflict("product.id", "product %q is already registered", p.ID)
	}
	if err := tc.uniqueGTIN(p.GTIN); err != nil {
		return err
	}
	p.TxID = tc.call.TxID
	return tc.putJSON(models.PrefixProduct, p.ID, p)
}

// uniqueGTIN checks that no registered product has the GTIN g: a batch's
// QR code resolves through /01/{GTIN}/10/{lot}, so a GTIN names one
// product. GTINs are compared as GTIN-14, so 6901234567892 and
// 06901234567892 are the same.
func (tc *txc) uniqueGTIN(g string) error {
	if g == "" {
		return nil
	}
	want := models.GTIN14(g)
	return tc.rangeKeys(models.PrefixProduct, func(_ string, v []byte) error {
		var other models.Product
		if err := json.Unmarshal(v, &other); err != nil {
			return err
		}
		if other.GTIN != "" && models.GTIN14(other.GTIN) == want {
			return models.Conflict("product.gtin", "GTIN %s is already registered for product %s of %s; each product needs its own GTIN", g, other.ID, other.Manufacturer)
		}
		return nil
	})
}

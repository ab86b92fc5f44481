package contract

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/plumbline/plumbline/models"
)

// RegisterProductArgs adds a product to the submitting manufacturer's catalogue.
type RegisterProductArgs struct {
	Product models.Product `json:"product"`
}

// Validate implements validator.
func (a *RegisterProductArgs) Validate() error {
	var v models.Collect
	if a.Product.TxID != "" {
		v.Add(models.Invalid("product.tx_id", "is set by the ledger; leave it empty"))
	}
	v.Add(models.Prefix("product", a.Product.Validate()))
	return v.Err()
}

func init() {
	register("RegisterProduct", registerProduct)
}

// registerProduct: a manufacturer's admin or operator registers its own
// products; product IDs are unique across the ledger.
func registerProduct(tc *txc, a *RegisterProductArgs) error {
	org, err := tc.allow("RegisterProduct")
	if err != nil {
		return err
	}
	p := a.Product
	if tc.version() < V4 && len(p.Names) > 0 {
		return models.Invalid("product.names", "is a field of contract version %d and later; this transaction runs under version %d", V4, tc.version())
	}
	if p.Manufacturer != org.ID {
		return models.Forbidden("product.manufacturer is %q but you submit for %q; a manufacturer registers only its own products", p.Manufacturer, org.ID)
	}
	if ok, err := tc.exists(models.PrefixProduct, p.ID); err != nil {
		return err
	} else if ok {
		return models.Conflict("product.id", "product %q is already registered", p.ID)
	}
	p.TxID = tc.call.TxID
	if err := tc.uniqueGTIN(p.GTIN, p.ID); err != nil {
		return err
	}
	return tc.putJSON(models.PrefixProduct, p.ID, p)
}

// uniqueGTIN checks that no registered product has the GTIN g: a batch's
// QR code resolves through /01/{GTIN}/10/{lot}, so a GTIN names one
// product. GTINs are compared as GTIN-14, so 6901234567892 and
// 06901234567892 are the same.
//
// Version 1 reads every product. Version 2 reads the GTIN's index key
// once the index exists, and otherwise checks every product as version 1
// does and builds the index from them; either way it then indexes g for
// the product id being registered.
func (tc *txc) uniqueGTIN(g, id string) error {
	if g == "" {
		return nil
	}
	want := models.GTIN14(g)
	if tc.version() < V2 {
		return tc.scanGTIN(g, want, false)
	}
	if _, err := tc.get(models.KeyGTINIndexed); errors.Is(err, models.ErrNotFound) {
		if err := tc.scanGTIN(g, want, true); err != nil {
			return err
		}
		tc.buf[models.KeyGTINIndexed] = []byte(tc.call.TxID)
	} else if err != nil {
		return fmt.Errorf("read %s: %w", models.KeyGTINIndexed, err)
	} else {
		raw, err := tc.get(models.Key(models.PrefixGTIN, want))
		switch {
		case err == nil:
			other, err := tc.product("product.gtin", string(raw))
			if err != nil {
				return fmt.Errorf("GTIN index %s names product %s: %w", want, raw, err)
			}
			return gtinTaken(g, other)
		case !errors.Is(err, models.ErrNotFound):
			return fmt.Errorf("read GTIN index %s: %w", want, err)
		}
	}
	tc.buf[models.Key(models.PrefixGTIN, want)] = []byte(id)
	return nil
}

// scanGTIN is version 1's check: every product is read and compared. With
// index set it also indexes every product that has a GTIN (the first
// product in key order, should an old ledger hold a GTIN twice).
func (tc *txc) scanGTIN(g, want string, index bool) error {
	return tc.rangeKeys(models.PrefixProduct, func(_ string, v []byte) error {
		var other models.Product
		if err := json.Unmarshal(v, &other); err != nil {
			return err
		}
		if other.GTIN == "" {
			return nil
		}
		if models.GTIN14(other.GTIN) == want {
			return gtinTaken(g, &other)
		}
		if index {
			key := models.Key(models.PrefixGTIN, models.GTIN14(other.GTIN))
			if _, done := tc.buf[key]; !done {
				tc.buf[key] = []byte(other.ID)
			}
		}
		return nil
	})
}

func gtinTaken(g string, other *models.Product) error {
	return models.Conflict("product.gtin", "GTIN %s is already registered for product %s of %s; each product needs its own GTIN", g, other.ID, other.Manufacturer)
}

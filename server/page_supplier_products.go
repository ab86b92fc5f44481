package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// specRows is how many spec-limit rows the product form shows.
const specRows = 5

// productsData is what the products page shows.
type productsData struct {
	Products []models.Product
	Own      bool // the list is the user's organization's own catalogue
	CanAdd   bool
}

// productFormData is what the product form needs.
type productFormData struct {
	Categories []models.Category
	Units      []string
	SpecRows   []int
}

// products lists a manufacturer's own products; other organizations see
// the whole catalogue (what they can order).
func (s *Server) products(c *gin.Context) {
	v := s.view(c, "products", nil)
	d := productsData{Own: orgIs(v, models.KindManufacturer)}
	d.CanAdd = may(v.User, v.Org, "RegisterProduct")
	maker := ""
	if d.Own {
		maker = v.User.OrgID
	}
	var err error
	if d.Products, err = s.opts.Store.Products(c.Request.Context(), maker); err != nil {
		s.failPage(c, err)
		return
	}
	v.Data = d
	s.page(c, http.StatusOK, "supplier_products", v)
}

func (s *Server) productForm(c *gin.Context) *view {
	v := s.view(c, "products", productFormData{Categories: models.Categories, Units: models.Units, SpecRows: rowIndexes(specRows)})
	if id := strings.TrimSpace(c.PostForm("idempotency_key")); id != "" {
		v.Idem = id // a retry of a failed form keeps its key
	}
	return v
}

// newProduct shows the form to register a product.
func (s *Server) newProduct(c *gin.Context) {
	v := s.productForm(c)
	if s.refuse(c, v, may(v.User, v.Org, "RegisterProduct")) {
		return
	}
	v.Form.Set("unit", "t")
	s.page(c, http.StatusOK, "supplier_product_new", v)
}

// createProduct registers the product (RegisterProduct) and goes back to
// the list.
func (s *Server) createProduct(c *gin.Context) {
	v := s.productForm(c)
	p, err := productFromForm(c)
	if err == nil {
		_, err = run(s, c, func(ctx context.Context, act app.Actor) (any, error) {
			return s.app.RegisterProduct(ctx, act, contract.RegisterProductArgs{Product: p})
		})
	}
	if err != nil {
		s.formFail(c, "supplier_product_new", v, formError(err, "product.", specField))
		return
	}
	s.flash(c, v.L.T("supplier.product_registered", "ID", p.ID))
	c.Redirect(http.StatusSeeOther, "/products")
}

// specField names the form input of a spec-limit error.
func specField(_ string, i int, sub string) string {
	switch sub {
	case "property", "unit", "min", "max":
		return fmt.Sprintf("spec_%s_%d", sub, i)
	}
	return fmt.Sprintf("spec_min_%d", i)
}

// productFromForm reads the product form; spec rows without a property
// are skipped.
func productFromForm(c *gin.Context) (models.Product, error) {
	u := currentUser(c)
	p := models.Product{
		ID:                 strings.TrimSpace(c.PostForm("id")),
		Name:               strings.TrimSpace(c.PostForm("name")),
		Category:           models.Category(c.PostForm("category")),
		Standard:           strings.TrimSpace(c.PostForm("standard")),
		Unit:               c.PostForm("unit"),
		GTIN:               strings.TrimSpace(c.PostForm("gtin")),
		InspectionRequired: c.PostForm("inspection_required") != "",
		Manufacturer:       u.OrgID,
	}
	for i := range specRows {
		prop := strings.TrimSpace(c.PostForm(fmt.Sprintf("spec_property_%d", i)))
		min := strings.TrimSpace(c.PostForm(fmt.Sprintf("spec_min_%d", i)))
		max := strings.TrimSpace(c.PostForm(fmt.Sprintf("spec_max_%d", i)))
		unit := strings.TrimSpace(c.PostForm(fmt.Sprintf("spec_unit_%d", i)))
		if prop == "" && min == "" && max == "" && unit == "" {
			continue
		}
		l := models.SpecLimit{Property: prop, Unit: unit}
		for _, b := range []struct {
			field, text string
			into        **models.Decimal
		}{{fmt.Sprintf("spec_min_%d", i), min, &l.Min}, {fmt.Sprintf("spec_max_%d", i), max, &l.Max}} {
			if b.text == "" {
				continue
			}
			d, err := models.DecimalField(b.field, b.text)
			if err != nil {
				return p, err
			}
			*b.into = &d
		}
		// The contract numbers limits by their place in the list; keep
		// the form's row numbers by refusing gaps.
		if len(p.SpecLimits) != i {
			return p, models.Invalid(fmt.Sprintf("spec_property_%d", i), "fill the spec rows from the top, without empty rows in between")
		}
		p.SpecLimits = append(p.SpecLimits, l)
	}
	return p, nil
}

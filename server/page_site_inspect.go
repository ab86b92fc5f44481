package server

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// inspectionTypes are the inspection types the form offers; the API takes
// any lowercase name the contract accepts.
var inspectionTypes = []string{"incoming", "sampling", "mill_test", "strength_28d", "visual"}

// scan shows the in-page QR scanner (site.js) and a manual code form.
func (s *Server) scan(c *gin.Context) {
	s.page(c, http.StatusOK, "site_scan", s.view(c, "scan", nil))
}

// inspectData is the inspection form's data.
type inspectData struct {
	Code        string
	Batch       *models.Batch
	Product     *models.Product
	Limits      []limitView
	Types       []string
	Verdicts    []models.Verdict
	Inspections []inspectionView
	CanInspect  bool
	MaxPhotos   int
}

// limitView is one spec limit with its form field and the entered value.
type limitView struct {
	models.SpecLimit
	Name  string // form field: results.<property>
	Label string // the property's name in the page's language
	Value string
	Out   bool // the entered value is outside the limit
}

func (s *Server) inspectView(c *gin.Context, code string) (*view, *inspectData, error) {
	v := s.view(c, "scan", nil)
	u, org, err := s.userOrg(c)
	if err != nil {
		return v, nil, err
	}
	d := &inspectData{Code: strings.TrimSpace(code), Types: inspectionTypes, MaxPhotos: maxPhotos,
		Verdicts:   []models.Verdict{models.VerdictPass, models.VerdictConditional, models.VerdictFail},
		CanInspect: may(u, org, "RecordInspection")}
	v.Data = d
	if d.Code == "" {
		return v, d, nil
	}
	ctx := c.Request.Context()
	b, err := s.siteBatch(ctx, org, "batch", d.Code)
	if err != nil {
		return v, d, err
	}
	p, err := s.opts.Store.Product(ctx, b.ProductID)
	if err != nil {
		return v, d, err
	}
	d.Batch, d.Product = &b, &p
	for _, l := range p.SpecLimits {
		d.Limits = append(d.Limits, limitView{SpecLimit: l, Name: "results." + l.Property, Label: s.label(v, "site.prop."+l.Property, l.Property)})
	}
	ins, err := s.opts.Store.Inspections(ctx, b.Code)
	for _, in := range ins {
		d.Inspections = append(d.Inspections, inspectionView{Inspection: in, TypeLabel: s.label(v, "site.type."+in.Type, in.Type)})
	}
	return v, d, err
}

// inspectionView is an earlier inspection with its type's name.
type inspectionView struct {
	models.Inspection
	TypeLabel string
}

// label translates id when the catalogue has it, else shows the code
// readably ("compressive_strength_28d" → "compressive strength 28d").
func (s *Server) label(v *view, id, code string) string {
	if s.cat.Has(v.Lang, id) {
		return v.L.T(id)
	}
	return strings.ReplaceAll(code, "_", " ")
}

// newInspection shows the inspection form for ?batch=CODE (or a code box).
func (s *Server) newInspection(c *gin.Context) {
	v, _, err := s.inspectView(c, c.Query("batch"))
	if err != nil {
		s.failPage(c, err)
		return
	}
	s.page(c, http.StatusOK, "site_inspection_new", v)
}

// createInspection records the form's inspection: its photos are stored
// first (any bad photo stops everything), then one RecordInspection
// transaction, then one AttachDocument per new photo.
func (s *Server) createInspection(c *gin.Context) {
	code := strings.TrimSpace(c.PostForm("batch"))
	v, d, err := s.inspectView(c, code)
	if err != nil {
		if d != nil && d.Batch == nil && code != "" {
			s.formFail(c, "site_inspection_new", v, err)
			return
		}
		s.failPage(c, err)
		return
	}
	args := contract.RecordInspectionArgs{Batch: code, Type: strings.TrimSpace(c.PostForm("type")), Verdict: models.Verdict(c.PostForm("verdict")),
		Condition: strings.TrimSpace(c.PostForm("condition")), Notes: strings.TrimSpace(c.PostForm("notes"))}
	if args.Verdict != models.VerdictConditional {
		args.Condition = "" // typed before the verdict was changed; the form hides it
	}
	var bad error
	for i := range d.Limits {
		l := &d.Limits[i]
		l.Value = strings.TrimSpace(c.PostForm(l.Name))
		if l.Value == "" {
			continue
		}
		val, err := parseQuantity(l.Name, l.Value)
		if err != nil {
			bad = errors.Join(bad, err)
			continue
		}
		l.Out = !l.Check(val)
		args.Results = append(args.Results, contract.InspectionResult{Property: l.Property, Value: val})
	}
	if bad != nil {
		s.formFail(c, "site_inspection_new", v, firstErr(bad))
		return
	}
	var photos []*multipart.FileHeader
	if mf, err := c.MultipartForm(); err == nil && mf != nil {
		photos = mf.File["photos"]
	}
	field := func(f string) string { return inspectionField(args, f) }
	if err := args.Validate(); err != nil {
		s.formFail(c, "site_inspection_new", v, models.RenameField(err, field))
		return
	}
	stored, err := s.app.StorePhotos(photos)
	if err != nil {
		s.formFail(c, "site_inspection_new", v, err)
		return
	}
	in, failed, err := run2(s, c, func(ctx context.Context, act app.Actor) (models.Inspection, []string, error) {
		return s.app.RecordInspection(ctx, act, args, stored)
	})
	if err != nil {
		s.formFail(c, "site_inspection_new", v, models.RenameField(err, field))
		return
	}
	msg := v.L.T("site.inspection_recorded", "Batch", in.BatchCode, "Verdict", v.L.T("site.verdict."+string(in.Verdict)))
	if len(failed) > 0 {
		msg += " " + v.L.T("site.photos_not_attached", "Photos", strings.Join(failed, "; "))
	}
	s.flash(c, msg)
	c.Redirect(http.StatusSeeOther, "/b/"+url.PathEscape(in.BatchCode))
}

// inspectionField maps the contract's field names onto the form's:
// results[i].… → results.<property>, documents → photos.
func inspectionField(a contract.RecordInspectionArgs, f string) string {
	if list, i, _, ok := models.SplitIndex(f); ok {
		switch {
		case list == "results" && i < len(a.Results):
			return "results." + a.Results[i].Property
		case list == "documents":
			return "photos"
		}
	}
	if f == "documents" {
		return "photos"
	}
	return f
}

// firstErr returns the first error of an errors.Join.
func firstErr(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		return j.Unwrap()[0]
	}
	return err
}

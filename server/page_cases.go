package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// casesPage is what templates/cases_list.html gets.
type casesPage struct {
	Cases  []store.CaseSummary
	Next   string
	Filter string // open, closed, mine or "" (all)
	Now    time.Time
	Writer bool // the user may open cases
}

// listPage serves GET /cases?filter=open|closed|mine.
func (a *caseArea) listPage(c *gin.Context) {
	_, o, err := a.s.userOrg(c)
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	f := store.CaseFilter{After: c.Query("after")}
	filter := c.Query("filter")
	switch filter {
	case "open", "closed":
		f.Status = filter
	case "mine":
		f.Affecting = o.ID
	case "":
	default:
		a.s.failPage(c, models.Invalid("filter", "%q is not one of open, closed, mine", filter))
		return
	}
	p, err := a.s.app.Cases(c.Request.Context(), o, f)
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	a.s.page(c, http.StatusOK, "cases_list", a.s.view(c, "cases", &casesPage{Cases: p.Items, Next: p.Next, Filter: filter,
		Now: time.Now(), Writer: may(currentUser(c), o, "OpenCase")}))
}

// caseForm is what templates/cases_new.html gets: the form and the impact
// preview of the batch's forward trace.
type caseForm struct {
	Batch      string
	Kinds      []models.CaseKind
	Severities []string
	Viewer     bool
	Found      bool // the batch exists
	Batches    int  // batches the case would reach
	Usages     int  // usages it would list
	Visible    []models.Usage
	Hidden     int    // usages whose place the user may not see
	Problem    string // why the impact list cannot be made
}

func (a *caseArea) form(c *gin.Context, batch string) *caseForm {
	ctx := c.Request.Context()
	f := &caseForm{Batch: batch, Kinds: []models.CaseKind{models.CaseNonConformance, models.CaseRecall}, Severities: recallSeverities,
		Viewer: currentUser(c).Role == models.RoleViewer, Visible: []models.Usage{}}
	if batch == "" || models.ValidateID("batch", batch) != nil {
		return f
	}
	tr, err := a.s.app.Impact(ctx, batch)
	if err != nil {
		_, body := a.s.describe(c, err)
		f.Problem = body.Message
		return f
	}
	f.Found, f.Batches, f.Usages = true, len(tr.Nodes), len(tr.Usages)
	f.Visible = a.s.viewerChecker(c).Usages(ctx, tr.Usages)
	f.Hidden = len(tr.Usages) - len(f.Visible)
	return f
}

// newPage serves GET /cases/new?batch=CODE.
func (a *caseArea) newPage(c *gin.Context) {
	batch := strings.TrimSpace(c.Query("batch"))
	v := a.s.view(c, "cases", a.form(c, batch))
	v.Form.Set("batch", batch)
	v.Form.Set("kind", string(models.CaseNonConformance))
	if k := c.Query("kind"); models.CaseKind(k).Valid() {
		v.Form.Set("kind", k)
	}
	v.Form.Set("severity", contract.SeverityHigh)
	v.Form.Set("target_date", time.Now().UTC().AddDate(0, 0, 14).Format(models.DateLayout))
	a.s.page(c, http.StatusOK, "cases_new", v)
}

// create serves POST /cases.
func (a *caseArea) create(c *gin.Context) {
	req := openCaseRequest{Kind: models.CaseKind(c.PostForm("kind")), Batch: strings.TrimSpace(c.PostForm("batch")),
		Severity: c.PostForm("severity"), Reason: strings.TrimSpace(c.PostForm("reason")), TargetDate: strings.TrimSpace(c.PostForm("target_date"))}
	act, err := a.s.actor(c)
	if err == nil {
		var id string
		var usages int
		if id, usages, err = a.s.app.OpenCase(c.Request.Context(), act, req); err == nil {
			a.s.flash(c, a.s.loc(c).T("cases.opened", "Batch", req.Batch, "Total", usages))
			c.Redirect(http.StatusSeeOther, "/cases/"+url.PathEscape(id))
			return
		}
	}
	a.s.formFail(c, "cases_new", a.s.view(c, "cases", a.form(c, req.Batch)), err)
}

// casePage is what templates/cases_case.html gets.
type casePage struct {
	caseView
	Names names
	// Mine is the viewer's place among the affected organizations (nil
	// when not affected).
	Mine *models.CaseOrg
	// CanAck and CanDispose say which forms the viewer gets; Todo are the
	// usages the viewer may record a disposition for.
	CanAck       bool
	Todo         []impactLine
	Dispositions []models.Disposition
	Now          time.Time
}

// casePageFor builds the case page's data for the logged-in user.
func (a *caseArea) casePageFor(c *gin.Context, id string) (*casePage, error) {
	ctx := c.Request.Context()
	_, o, err := a.s.userOrg(c)
	if err != nil {
		return nil, err
	}
	v, err := a.s.app.Case(ctx, a.s.checker(c, o), id)
	if err != nil {
		return nil, err
	}
	n, err := a.s.app.NamesIn(ctx, lang(c))
	if err != nil {
		return nil, err
	}
	p := &casePage{caseView: v, Names: n, Now: time.Now(),
		Dispositions: []models.Disposition{models.DispositionReplace, models.DispositionRework, models.DispositionAcceptAsIs}}
	u := currentUser(c)
	open := v.Case.Status == models.CaseOpen
	for i := range v.Case.Orgs {
		if v.Case.Orgs[i].Org == o.ID {
			p.Mine = &v.Case.Orgs[i]
		}
	}
	p.CanAck = open && p.Mine != nil && !p.Mine.Acked() && may(u, o, "AcknowledgeCase")
	mayDispose := open && may(u, o, "RecordDisposition") &&
		(o.Kind == models.KindAuthority || p.Mine != nil && p.Mine.Acked())
	for _, l := range v.Impact {
		if mayDispose && l.Disposition == "" && (o.Kind == models.KindAuthority || l.Contractor == o.ID) {
			p.Todo = append(p.Todo, l)
		}
	}
	return p, nil
}

// casePage serves GET /cases/{id}.
func (a *caseArea) casePage(c *gin.Context) {
	p, err := a.casePageFor(c, c.Param("id"))
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	a.s.page(c, http.StatusOK, "cases_case", a.s.view(c, "cases", p))
}

// stepFail shows the case page again with a step's error.
func (a *caseArea) stepFail(c *gin.Context, id string, err error) {
	p, perr := a.casePageFor(c, id)
	if perr != nil {
		a.s.failPage(c, err)
		return
	}
	a.s.formFail(c, "cases_case", a.s.view(c, "cases", p), err)
}

// ack serves POST /cases/{id}/ack.
func (a *caseArea) ack(c *gin.Context) {
	id := c.Param("id")
	if _, err := run(a.s, c, func(ctx context.Context, act app.Actor) (any, error) {
		return nil, a.s.app.AcknowledgeCase(ctx, act, id, strings.TrimSpace(c.PostForm("note")))
	}); err != nil {
		a.stepFail(c, id, err)
		return
	}
	a.s.flash(c, a.s.loc(c).T("cases.acked"))
	c.Redirect(http.StatusSeeOther, "/cases/"+url.PathEscape(id))
}

// dispose serves POST /cases/{id}/dispositions: the form has, for each
// usage the user may decide, a disposition d.USAGE and a justification
// j.USAGE; usages left undecided are skipped.
func (a *caseArea) dispose(c *gin.Context) {
	id := c.Param("id")
	args := contract.RecordDispositionArgs{Case: id}
	for _, u := range c.PostFormArray("usage") {
		d := c.PostForm("d." + u)
		if d == "" {
			continue
		}
		args.Items = append(args.Items, contract.UsageDisposition{Usage: u, Disposition: models.Disposition(d),
			Justification: strings.TrimSpace(c.PostForm("j." + u))})
	}
	if _, err := run(a.s, c, func(ctx context.Context, act app.Actor) (any, error) {
		return nil, a.s.app.RecordDisposition(ctx, act, args)
	}); err != nil {
		a.stepFail(c, id, err)
		return
	}
	a.s.flash(c, a.s.loc(c).T("cases.disposed", "Total", len(args.Items)))
	c.Redirect(http.StatusSeeOther, "/cases/"+url.PathEscape(id))
}

package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// recallSeverities are the severities a recall may have, mildest first.
var recallSeverities = []string{contract.SeverityLow, contract.SeverityMedium, contract.SeverityHigh, contract.SeverityCritical}

// recallImpact is what a recall reaches: every batch downstream of the
// recalled one (from the forward trace) and every place any of them was
// built into the works.
type recallImpact struct {
	Batches []impactBatch  `json:"batches"`
	Usages  []models.Usage `json:"usages"`
	// Truncated is set when the trace stopped at its depth limit.
	Truncated bool `json:"truncated,omitempty"`
}

// impactBatch is one batch a recall reaches.
type impactBatch struct {
	store.TraceNode
	// RecalledHere is set when this recall recalled the batch (it was not
	// already recalled by an earlier one).
	RecalledHere bool `json:"recalled_here"`
}

// recallResponse is GET /api/v1/recalls/{id} and POST /api/v1/recalls.
type recallResponse struct {
	Recall models.Recall `json:"recall"`
	Impact recallImpact  `json:"impact"`
}

// recallRequest is POST /api/v1/recalls.
type recallRequest = contract.RecallBatchArgs

// impact is what recall rc reached, as the viewer of chk may see it: every
// batch, and the usage locations access allows (authorities, inspection
// agencies and the recalling organization, which is involved with every
// batch it recalled, see them all).
func (t *traceArea) impact(ctx context.Context, rc models.Recall, chk *access.Checker) (recallImpact, error) {
	tr, err := t.s.opts.Store.Forward(ctx, rc.BatchCode, store.MaxTraceDepth)
	if err != nil {
		return recallImpact{}, err
	}
	tr.Usages = chk.Usages(ctx, tr.Usages)
	here := make(map[string]bool, len(rc.Affected))
	for _, c := range rc.Affected {
		here[c] = true
	}
	im := recallImpact{Usages: tr.Usages, Truncated: tr.Truncated}
	if im.Usages == nil {
		im.Usages = []models.Usage{}
	}
	for _, n := range tr.Nodes {
		im.Batches = append(im.Batches, impactBatch{TraceNode: n, RecalledHere: here[n.Code]})
	}
	return im, nil
}

// recallPage is what templates/trace_recall.html gets.
type recallPage struct {
	Recall models.Recall
	Impact recallImpact
	Names  names
	// Buildings counts usages per project / building / floor.
	Places []place
}

// place is one floor of one building with the elements built there.
type place struct {
	Project, Building, Floor string
	Elements                 []string
}

// recall serves GET /recalls/{id}.
func (t *traceArea) recall(c *gin.Context) {
	ctx := c.Request.Context()
	rc, err := t.s.opts.Store.Recall(ctx, c.Param("id"))
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	im, err := t.impact(ctx, rc, t.s.viewerChecker(c))
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	n, err := t.s.app.NamesIn(ctx, lang(c))
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	p := &recallPage{Recall: rc, Impact: im, Names: n}
	idx := map[string]int{}
	for _, u := range im.Usages {
		k := u.Location.Project + "\x00" + u.Location.Building + "\x00" + u.Location.Floor
		i, ok := idx[k]
		if !ok {
			i = len(p.Places)
			idx[k] = i
			p.Places = append(p.Places, place{Project: u.Location.Project, Building: u.Location.Building, Floor: u.Location.Floor})
		}
		p.Places[i].Elements = append(p.Places[i].Elements, u.Location.Element)
	}
	t.s.page(c, http.StatusOK, "trace_recall", t.s.view(c, "recalls", p))
}

// recallsPage is what templates/trace_recalls.html gets.
type recallsPage struct {
	Recalls []models.Recall
	Next    string
	// Cases are the recall cases the user may see (the first page), the
	// workflow that followed plain recall notices.
	Cases []store.CaseSummary
}

// recalls serves GET /recalls: the recall cases, then every recall
// notice, newest first, paged.
func (t *traceArea) recalls(c *gin.Context) {
	pg, err := t.s.opts.Store.RecallPage(c.Request.Context(), c.Query("after"), 0)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	p := &recallsPage{Recalls: pg.Items, Next: pg.Next}
	if _, o, err := t.s.userOrg(c); err == nil && c.Query("after") == "" {
		cs, err := t.s.app.Cases(c.Request.Context(), o, store.CaseFilter{Kind: models.CaseRecall})
		if err != nil {
			t.s.failPage(c, err)
			return
		}
		p.Cases = cs.Items
	}
	t.s.page(c, http.StatusOK, "trace_recalls", t.s.view(c, "recalls", p))
}

// recallForm is what templates/trace_recall_new.html gets.
type recallForm struct {
	Severities []string
	Viewer     bool // the user's role cannot submit anything
}

// newRecall serves GET /recalls/new?batch=CODE.
func (t *traceArea) newRecall(c *gin.Context) {
	v := t.s.view(c, "recalls", &recallForm{Severities: recallSeverities, Viewer: currentUser(c).Role == models.RoleViewer})
	v.Form.Set("batch", c.Query("batch"))
	v.Form.Set("severity", contract.SeverityHigh)
	t.s.page(c, http.StatusOK, "trace_recall_new", v)
}

// createRecall serves POST /recalls: the RecallBatch transaction; the
// contract decides who may recall (the producer, an authority, an
// inspection agency) and checks the reason and severity.
func (t *traceArea) createRecall(c *gin.Context) {
	args := contract.RecallBatchArgs{
		Batch: strings.TrimSpace(c.PostForm("batch")), Reason: strings.TrimSpace(c.PostForm("reason")), Severity: c.PostForm("severity"),
	}
	id, err := run(t.s, c, func(ctx context.Context, act app.Actor) (string, error) { return t.s.app.RecallBatch(ctx, act, args) })
	if err != nil {
		v := t.s.view(c, "recalls", &recallForm{Severities: recallSeverities, Viewer: currentUser(c).Role == models.RoleViewer})
		t.s.formFail(c, "trace_recall_new", v, err)
		return
	}
	t.s.flash(c, t.s.loc(c).T("trace.recall.done", "Batch", args.Batch))
	c.Redirect(http.StatusSeeOther, "/recalls/"+url.PathEscape(id))
}

// apiCreateRecall serves POST /api/v1/recalls.
func (t *traceArea) apiCreateRecall(c *gin.Context) {
	var req recallRequest
	if err := bindJSON(c, &req); err != nil {
		t.s.fail(c, err)
		return
	}
	id, err := run(t.s, c, func(ctx context.Context, act app.Actor) (string, error) {
		return t.s.app.RecallBatch(ctx, act, contract.RecallBatchArgs(req))
	})
	if err != nil {
		t.s.fail(c, err)
		return
	}
	t.respondRecall(c, id, http.StatusCreated)
}

// apiRecall serves GET /api/v1/recalls/{id}.
func (t *traceArea) apiRecall(c *gin.Context) { t.respondRecall(c, c.Param("id"), http.StatusOK) }

func (t *traceArea) respondRecall(c *gin.Context, id string, code int) {
	ctx := c.Request.Context()
	rc, err := t.s.opts.Store.Recall(ctx, id)
	if err != nil {
		t.s.fail(c, err)
		return
	}
	im, err := t.impact(ctx, rc, t.s.viewerChecker(c))
	if err != nil {
		t.s.fail(c, err)
		return
	}
	c.JSON(code, recallResponse{Recall: rc, Impact: im})
}

// apiRecalls serves GET /api/v1/recalls?after=.
func (t *traceArea) apiRecalls(c *gin.Context) {
	pg, err := t.s.opts.Store.RecallPage(c.Request.Context(), c.Query("after"), 0)
	if err != nil {
		t.s.fail(c, err)
		return
	}
	if pg.Items == nil {
		pg.Items = []models.Recall{}
	}
	c.JSON(http.StatusOK, pg)
}

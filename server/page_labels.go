package server

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// labelsPage is what templates/trace_labels.html gets.
type labelsPage struct {
	// Loopback is the server's public URL when it names this machine only,
	// which a phone cannot open from a printed label.
	Loopback string
	By       string // custodian or producer
	// Problem says why the label sheet asked for was not made (the page
	// shows it next to the form); NoneTicked when no batch was.
	Problem    string
	NoneTicked bool
	Batches    []models.Batch
	Names      names
	Next       string
}

// labels serves GET /labels: the organization's batches to pick for a
// label sheet (those it holds, or with ?by=producer those it made).
func (l *labelArea) labels(c *gin.Context) { l.labelsPage(c, http.StatusOK, nil) }

// labelSheet serves GET /labels/sheet, the labels page's form: the PDF, or
// the page again with what went wrong next to the form (no raw error in a
// new tab).
func (l *labelArea) labelSheet(c *gin.Context) {
	pdf, err := l.sheet(c)
	if err != nil {
		code, _ := l.s.describe(c, err)
		l.labelsPage(c, code, err)
		return
	}
	c.Header("Content-Disposition", `inline; filename="plumbline-labels.pdf"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// labelsPage renders the labels page with status, and problem (if any)
// beside the form.
func (l *labelArea) labelsPage(c *gin.Context, status int, problem error) {
	ctx := c.Request.Context()
	org := currentUser(c).OrgID
	p := &labelsPage{By: "custodian"}
	if IsLoopbackURL(l.s.opts.BaseURL) {
		p.Loopback = l.s.opts.BaseURL
	}
	f := store.BatchFilter{Custodian: org, Order: store.ByRecent, After: c.Query("after")}
	if c.Query("by") == "producer" {
		p.By, f.Custodian, f.Producer = "producer", "", org
	}
	pg, err := l.s.opts.Store.Batches(ctx, f)
	if err != nil {
		l.s.failPage(c, err)
		return
	}
	if p.Names, err = l.s.app.NamesIn(ctx, lang(c)); err != nil {
		l.s.failPage(c, err)
		return
	}
	p.Batches, p.Next = pg.Items, pg.Next
	if problem != nil {
		_, body := l.s.describe(c, problem)
		p.Problem, p.NoneTicked = body.Message, errors.Is(problem, errNoBatchTicked)
	}
	l.s.page(c, status, "trace_labels", l.s.view(c, "labels", p))
}

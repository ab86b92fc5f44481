package server

import (
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
	Batches  []models.Batch
	Names    names
	Next     string
}

// labels serves GET /labels: the organization's batches to pick for a
// label sheet (those it holds, or with ?by=producer those it made).
func (l *labelArea) labels(c *gin.Context) {
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
	if p.Names, err = l.s.app.Names(ctx); err != nil {
		l.s.failPage(c, err)
		return
	}
	p.Batches, p.Next = pg.Items, pg.Next
	l.s.page(c, http.StatusOK, "trace_labels", l.s.view(c, "labels", p))
}

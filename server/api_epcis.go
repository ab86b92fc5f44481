package server

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/models"
)

// epcisArea serves EPCIS 2.0: export of events as EPCISDocuments (this
// file), capture (api_epcis_capture.go) and the capture page.
type epcisArea struct {
	s *Server
}

func newEPCISArea(s *Server) *epcisArea {
	return &epcisArea{s: s}
}

// The export's query and events are the use cases'.
type epcisQuery = app.EPCISQuery

const (
	epcisMaxPerPage  = app.EPCISMaxPerPage
	epcisTraceEvents = app.EPCISTraceEvents
)

// parseQuery reads the export's filters; a bad one is a 422 naming it.
func (e *epcisArea) parseQuery(c *gin.Context, maxPerPage int) (epcisQuery, error) {
	return e.s.app.ParseEPCISQuery(c.Request.Context(), c.Request.URL.Query(), maxPerPage)
}

// collect gathers the events of q the logged-in organization may read.
func (e *epcisArea) collect(c *gin.Context, q epcisQuery, batches []string) ([]epcis.Event, string, int, error) {
	_, org, err := e.s.userOrg(c)
	if err != nil {
		return nil, "", 0, err
	}
	return e.s.app.EPCISEvents(c.Request.Context(), e.s.checker(c, org), org.ID, q, batches)
}

// respond writes the document, with a Link header to the next page.
func (e *epcisArea) respond(c *gin.Context, events []epcis.Event, next string, redacted int) {
	doc := epcis.NewDocument(e.s.opts.Now(), e.s.opts.BaseURL, events)
	if next != "" {
		doc.NextPageToken = next
		u := *c.Request.URL
		q := u.Query()
		q.Set("nextPageToken", next)
		u.RawQuery = q.Encode()
		c.Header("Link", "<"+strings.TrimRight(e.s.opts.BaseURL, "/")+u.RequestURI()+`>; rel="next"`)
	}
	if redacted > 0 {
		doc.Redacted = &epcis.Redacted{Events: redacted, Why: "your organization is not involved with these events' batches: inspection notes and measurements, usage locations, reasons and commercial references are left out"}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	c.Header("GS1-EPCIS-Version", "2.0.0")
	c.Header("GS1-CBV-Version", "2.0.0")
	c.Data(http.StatusOK, epcis.MediaType+"; charset=utf-8", raw)
}

// events serves GET /api/v1/epcis/events.
func (e *epcisArea) events(c *gin.Context) {
	q, err := e.parseQuery(c, epcisMaxPerPage)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	evs, next, red, err := e.collect(c, q, q.Batches)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	e.respond(c, evs, next, red)
}

// batchTrace serves GET /api/v1/batches/{code}/epcis: every event of every
// batch on the batch's backward and forward trace, as one document.
func (e *epcisArea) batchTrace(c *gin.Context) {
	if _, err := e.s.opts.Store.Batch(c.Request.Context(), c.Param("code")); err != nil {
		e.s.fail(c, err)
		return
	}
	q, err := e.parseQuery(c, epcisTraceEvents)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	if len(q.Batches) > 0 {
		e.s.fail(c, models.Invalid("MATCH_anyEPC", "the batch is in the path; leave MATCH_anyEPC out"))
		return
	}
	if c.Query("perPage") == "" {
		q.PerPage = epcisTraceEvents
	}
	codes, err := e.s.app.TraceBatches(c.Request.Context(), c.Param("code"))
	if err != nil {
		e.s.fail(c, err)
		return
	}
	evs, next, red, err := e.collect(c, q, codes)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	e.respond(c, evs, next, red)
}

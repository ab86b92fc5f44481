package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/internal/store"
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

func (e *epcisArea) names() epcis.Names { return epcis.Names{Base: e.s.opts.BaseURL} }

// Export limits.
const (
	epcisPerPage     = 100  // events per page when perPage is not given
	epcisMaxPerPage  = 1000 // the largest perPage
	epcisTraceEvents = 5000 // events in one trace document before it pages
	epcisScanLimit   = 20000
)

// epcisQuery is an export's filters, named after EPCIS 2.0 query parameters.
type epcisQuery struct {
	batches    []string // batch codes (MATCH_epc, MATCH_anyEPC, MATCH_epcClass, MATCH_anyEPCClass, batch)
	from, to   time.Time
	bizSteps   map[string]bool
	locations  map[string]bool
	eventTypes map[string]bool
	after      uint64
	perPage    int
}

// epcisParams are the query parameters the export understands.
var epcisParams = map[string]bool{
	"MATCH_epc": true, "MATCH_anyEPC": true, "MATCH_epcClass": true, "MATCH_anyEPCClass": true, "batch": true,
	"GE_eventTime": true, "LT_eventTime": true, "EQ_bizStep": true, "EQ_bizLocation": true, "eventType": true,
	"perPage": true, "nextPageToken": true,
}

// listParam returns every value of a parameter, repeated or separated by
// commas or '|'.
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, x := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '|' }) {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

// parseQuery reads the export's filters; a bad one is a 422 naming it.
func (e *epcisArea) parseQuery(c *gin.Context, maxPerPage int) (epcisQuery, error) {
	q := c.Request.URL.Query()
	for name := range q {
		if !epcisParams[name] {
			return epcisQuery{}, models.Invalid(name, "is not a query parameter of this endpoint; use MATCH_anyEPC (batch codes or identifiers), GE_eventTime, LT_eventTime, EQ_bizStep, EQ_bizLocation, eventType, perPage, nextPageToken")
		}
	}
	out := epcisQuery{perPage: epcisPerPage}
	ctx := c.Request.Context()
	for _, name := range []string{"MATCH_epc", "MATCH_anyEPC", "MATCH_epcClass", "MATCH_anyEPCClass", "batch"} {
		for _, v := range listParam(q, name) {
			code, err := e.batchCode(ctx, name, v)
			if err != nil {
				return epcisQuery{}, err
			}
			out.batches = append(out.batches, code)
		}
	}
	for name, t := range map[string]*time.Time{"GE_eventTime": &out.from, "LT_eventTime": &out.to} {
		if v := q.Get(name); v != "" {
			tm, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return epcisQuery{}, models.Invalid(name, "%q is not an RFC 3339 time such as 2026-04-01T00:00:00Z", v)
			}
			*t = tm
		}
	}
	set := func(name string, known func(string) bool, hint string) (map[string]bool, error) {
		vs := listParam(q, name)
		if len(vs) == 0 {
			return nil, nil
		}
		m := map[string]bool{}
		for _, v := range vs {
			if known != nil && !known(v) {
				return nil, models.Invalid(name, "%q is not one of %s", v, hint)
			}
			m[v] = true
		}
		return m, nil
	}
	var err error
	if out.bizSteps, err = set("EQ_bizStep", func(v string) bool { return len(epcis.TypesForBizStep(v)) > 0 }, strings.Join(epcis.BizSteps(), ", ")); err != nil {
		return epcisQuery{}, err
	}
	if out.locations, err = set("EQ_bizLocation", nil, ""); err != nil {
		return epcisQuery{}, err
	}
	if out.eventTypes, err = set("eventType", func(v string) bool {
		return v == epcis.ObjectEvent || v == epcis.TransactionEvent || v == epcis.TransformationEvent
	}, "ObjectEvent, TransactionEvent, TransformationEvent"); err != nil {
		return epcisQuery{}, err
	}
	if v := q.Get("perPage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			return epcisQuery{}, models.Invalid("perPage", "%q must be a number from 1 to %d", v, maxPerPage)
		}
		out.perPage = n
	}
	if v := q.Get("nextPageToken"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return epcisQuery{}, models.Invalid("nextPageToken", "%q is not a token this server gave out; start again without it", v)
		}
		out.after = n
	}
	return out, nil
}

// batchCode resolves a batch code or identifier (/b/{code} or a GS1
// Digital Link /01/{gtin}/10/{lot}, on any host) to a batch code.
func (e *epcisArea) batchCode(ctx context.Context, field, v string) (string, error) {
	if !strings.Contains(v, "://") {
		if err := models.ValidateID(field, v); err != nil {
			return "", err
		}
		return v, nil
	}
	id, err := epcis.Parse(v)
	if err != nil {
		return "", models.Invalid(field, "%v", err)
	}
	switch id.Kind {
	case epcis.IDBatch:
		return id.Code, models.ValidateID(field, id.Code)
	case epcis.IDLot:
		if b, ok, err := e.lotBatch(ctx, id.GTIN, id.Lot); err != nil || ok {
			return b.Code, err
		}
		return "", models.NotFound(field, "no batch has the identifier %s", v)
	}
	return "", models.Invalid(field, "%s names a %s, not a batch", v, id.Kind)
}

// lotBatch finds the batch whose GS1 Digital Link is /01/{gtin14}/10/{lot},
// as the Digital Link resolver does.
func (e *epcisArea) lotBatch(ctx context.Context, gtin14, lot string) (models.Batch, bool, error) {
	return epcis.LotBatch(ctx, e.s.opts.Store, gtin14, lot)
}

// reader decides, per event, what the logged-in organization may read
// (internal/access): every event that touched a batch (with private data
// only when it is involved with one of them), and purchase orders only of
// its own.
type reader struct {
	chk   *access.Checker
	party string // the organization's EPCIS party identifier
}

// names reports whether the event names the reader's organization as a
// party (recorder, source or destination).
func (r reader) names(ev *epcis.Event) bool {
	if ev.RecordedBy == r.party {
		return true
	}
	for _, s := range ev.SourceList {
		if s.Source == r.party {
			return true
		}
	}
	for _, d := range ev.DestinationList {
		if d.Destination == r.party {
			return true
		}
	}
	return false
}

// collect gathers up to q.perPage events matching q (and, when batches is
// set, touching one of them), mapped and redacted for the reader. It
// returns the events, the token of the next page ("" at the end) and how
// many events were redacted.
func (e *epcisArea) collect(c *gin.Context, q epcisQuery, batches []string) ([]epcis.Event, string, int, error) {
	ctx := c.Request.Context()
	_, org, err := e.s.userOrg(c)
	if err != nil {
		return nil, "", 0, err
	}
	names := e.names()
	rd := reader{chk: e.s.checker(c, org), party: names.Party(org.ID)}
	m := &epcis.Mapper{Names: names, Facts: epcis.NewLedgerFacts(e.s.opts.Ledger)}
	f := store.EventFilter{Batches: batches, From: q.from, To: q.to, After: q.after, Limit: epcisMaxPerPage}
	for step := range q.bizSteps {
		f.Types = append(f.Types, epcis.TypesForBizStep(step)...)
	}
	if len(q.locations) > 0 {
		f.Types = append(f.Types, "RecordUsage")
	}
	if len(f.Types) == 0 {
		f.Types = epcis.EventTypes()
	}
	var out []epcis.Event
	redacted, scanned := 0, 0
	for {
		evs, err := e.s.opts.Store.FilterEvents(ctx, f)
		if err != nil {
			return nil, "", 0, err
		}
		for i, se := range evs {
			ev, red, ok, err := e.one(ctx, m, rd, q, se)
			if err != nil {
				return nil, "", 0, err
			}
			if ok {
				out = append(out, ev)
				if red {
					redacted++
				}
			}
			if len(out) == q.perPage {
				next := ""
				if i < len(evs)-1 || len(evs) == f.Limit {
					next = strconv.FormatUint(se.Seq, 10)
				}
				return out, next, redacted, nil
			}
		}
		scanned += len(evs)
		f.After = store.ScannedTo(evs, f.After)
		if len(evs) < f.Limit {
			return out, "", redacted, nil
		}
		if scanned >= epcisScanLimit {
			return out, strconv.FormatUint(f.After, 10), redacted, nil
		}
	}
}

// one maps a stored event for the reader: ok false when it does not
// match the filters or the reader may not see it.
func (e *epcisArea) one(ctx context.Context, m *epcis.Mapper, rd reader, q epcisQuery, se store.Event) (ev epcis.Event, redacted, ok bool, err error) {
	mp, err := m.Map(ctx, epcis.Tx{Seq: se.Seq, TxID: se.TxID, Type: se.Type, Org: se.Org, Time: se.Time, Args: se.Args})
	if errors.Is(err, epcis.ErrMasterData) {
		return ev, false, false, nil
	}
	if err != nil {
		return ev, false, false, err
	}
	ev = mp.Event
	if (q.bizSteps != nil && !q.bizSteps[ev.BizStep]) || (q.eventTypes != nil && !q.eventTypes[ev.Type]) {
		return ev, false, false, nil
	}
	if q.locations != nil && (ev.BizLocation == nil || !q.locations[ev.BizLocation.ID]) {
		return ev, false, false, nil
	}
	if ok, isCase := rd.chk.ReadCaseStep(ctx, se); isCase {
		// A quality case's events go whole to those who may see the case
		// (they hold usage IDs, notes and justifications, no locations),
		// and to nobody else.
		return ev, false, ok, nil
	}
	if len(mp.Subjects) == 0 {
		return ev, false, rd.chk.Viewer().SeesAll() || rd.names(&ev), nil
	}
	inv, err := rd.chk.InvolvedAny(ctx, mp.Subjects)
	if err != nil {
		return ev, false, false, err
	}
	if !inv {
		ev = mp.Redacted()
		if q.locations != nil {
			return ev, false, false, nil // the location itself is private
		}
	}
	return ev, !inv, true, nil
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
	evs, next, red, err := e.collect(c, q, q.batches)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	e.respond(c, evs, next, red)
}

// batchTrace serves GET /api/v1/batches/{code}/epcis: every event of every
// batch on the batch's backward and forward trace, as one document.
func (e *epcisArea) batchTrace(c *gin.Context) {
	ctx := c.Request.Context()
	code := c.Param("code")
	if _, err := e.s.opts.Store.Batch(ctx, code); err != nil {
		e.s.fail(c, err)
		return
	}
	q, err := e.parseQuery(c, epcisTraceEvents)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	if len(q.batches) > 0 {
		e.s.fail(c, models.Invalid("MATCH_anyEPC", "the batch is in the path; leave MATCH_anyEPC out"))
		return
	}
	if c.Query("perPage") == "" {
		q.perPage = epcisTraceEvents
	}
	codes := []string{code}
	seen := map[string]bool{code: true}
	for _, dir := range []func(context.Context, string, int) (store.Trace, error){e.s.opts.Store.Backward, e.s.opts.Store.Forward} {
		t, err := dir(ctx, code, store.MaxTraceDepth)
		if err != nil {
			e.s.fail(c, err)
			return
		}
		for _, n := range t.Nodes {
			if !seen[n.Code] {
				seen[n.Code] = true
				codes = append(codes, n.Code)
			}
		}
	}
	evs, next, red, err := e.collect(c, q, codes)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	e.respond(c, evs, next, red)
}

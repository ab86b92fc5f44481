package app

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// The EPCIS 2.0 export: the query, and the events a viewer may read.

// Export limits.
const (
	EPCISPerPage     = 100  // events per page when perPage is not given
	EPCISMaxPerPage  = 1000 // the largest perPage
	EPCISTraceEvents = 5000 // events in one trace document before it pages
	epcisScanLimit   = 20000
)

// EPCISQuery is an export's filters, named after EPCIS 2.0 query parameters.
type EPCISQuery struct {
	Batches    []string // batch codes (MATCH_epc, MATCH_anyEPC, MATCH_epcClass, MATCH_anyEPCClass, batch)
	From, To   time.Time
	BizSteps   map[string]bool
	Locations  map[string]bool
	EventTypes map[string]bool
	After      uint64
	PerPage    int
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

// ParseEPCISQuery reads an export's filters from its query parameters; a
// bad one is a models.Invalid error naming it.
func (a *App) ParseEPCISQuery(ctx context.Context, q url.Values, maxPerPage int) (EPCISQuery, error) {
	for name := range q {
		if !epcisParams[name] {
			return EPCISQuery{}, models.Invalid(name, "is not a query parameter of this endpoint; use MATCH_anyEPC (batch codes or identifiers), GE_eventTime, LT_eventTime, EQ_bizStep, EQ_bizLocation, eventType, perPage, nextPageToken")
		}
	}
	out := EPCISQuery{PerPage: EPCISPerPage}
	for _, name := range []string{"MATCH_epc", "MATCH_anyEPC", "MATCH_epcClass", "MATCH_anyEPCClass", "batch"} {
		for _, v := range listParam(q, name) {
			code, err := a.batchCode(ctx, name, v)
			if err != nil {
				return EPCISQuery{}, err
			}
			out.Batches = append(out.Batches, code)
		}
	}
	for name, t := range map[string]*time.Time{"GE_eventTime": &out.From, "LT_eventTime": &out.To} {
		if v := q.Get(name); v != "" {
			tm, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return EPCISQuery{}, models.Invalid(name, "%q is not an RFC 3339 time such as 2026-04-01T00:00:00Z", v)
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
	if out.BizSteps, err = set("EQ_bizStep", func(v string) bool { return len(epcis.TypesForBizStep(v)) > 0 }, strings.Join(epcis.BizSteps(), ", ")); err != nil {
		return EPCISQuery{}, err
	}
	if out.Locations, err = set("EQ_bizLocation", nil, ""); err != nil {
		return EPCISQuery{}, err
	}
	if out.EventTypes, err = set("eventType", func(v string) bool {
		return v == epcis.ObjectEvent || v == epcis.TransactionEvent || v == epcis.TransformationEvent
	}, "ObjectEvent, TransactionEvent, TransformationEvent"); err != nil {
		return EPCISQuery{}, err
	}
	if v := q.Get("perPage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			return EPCISQuery{}, models.Invalid("perPage", "%q must be a number from 1 to %d", v, maxPerPage)
		}
		out.PerPage = n
	}
	if v := q.Get("nextPageToken"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return EPCISQuery{}, models.Invalid("nextPageToken", "%q is not a token this server gave out; start again without it", v)
		}
		out.After = n
	}
	return out, nil
}

// batchCode resolves a batch code or identifier (/b/{code} or a GS1
// Digital Link /01/{gtin}/10/{lot}, on any host) to a batch code.
func (a *App) batchCode(ctx context.Context, field, v string) (string, error) {
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
		if b, ok, err := epcis.LotBatch(ctx, a.opts.Store, id.GTIN, id.Lot); err != nil || ok {
			return b.Code, err
		}
		return "", models.NotFound(field, "no batch has the identifier %s", v)
	}
	return "", models.Invalid(field, "%s names a %s, not a batch", v, id.Kind)
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

// EPCISEvents gathers up to q.PerPage events matching q (and, when
// batches is set, touching one of them), mapped and redacted for the
// viewer of chk, of organization org. It returns the events, the token of
// the next page ("" at the end) and how many events were redacted.
func (a *App) EPCISEvents(ctx context.Context, chk *access.Checker, org string, q EPCISQuery, batches []string) ([]epcis.Event, string, int, error) {
	names := epcis.Names{Base: a.opts.BaseURL}
	rd := reader{chk: chk, party: names.Party(org)}
	m := &epcis.Mapper{Names: names, Facts: epcis.NewLedgerFacts(a.opts.Ledger)}
	f := store.EventFilter{Batches: batches, From: q.From, To: q.To, After: q.After, Limit: EPCISMaxPerPage}
	for step := range q.BizSteps {
		f.Types = append(f.Types, epcis.TypesForBizStep(step)...)
	}
	if len(q.Locations) > 0 {
		f.Types = append(f.Types, "RecordUsage")
	}
	if len(f.Types) == 0 {
		f.Types = epcis.EventTypes()
	}
	var out []epcis.Event
	redacted, scanned := 0, 0
	for {
		evs, err := a.opts.Store.FilterEvents(ctx, f)
		if err != nil {
			return nil, "", 0, err
		}
		for i, se := range evs {
			ev, red, ok, err := epcisEvent(ctx, m, rd, q, se)
			if err != nil {
				return nil, "", 0, err
			}
			if ok {
				out = append(out, ev)
				if red {
					redacted++
				}
			}
			if len(out) == q.PerPage {
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

// epcisEvent maps a stored event for the reader: ok false when it does not
// match the filters or the reader may not see it.
func epcisEvent(ctx context.Context, m *epcis.Mapper, rd reader, q EPCISQuery, se store.Event) (ev epcis.Event, redacted, ok bool, err error) {
	mp, err := m.Map(ctx, epcis.Tx{Seq: se.Seq, TxID: se.TxID, Type: se.Type, Org: se.Org, Time: se.Time, Args: se.Args})
	if errors.Is(err, epcis.ErrMasterData) {
		return ev, false, false, nil
	}
	if err != nil {
		return ev, false, false, err
	}
	ev = mp.Event
	if (q.BizSteps != nil && !q.BizSteps[ev.BizStep]) || (q.EventTypes != nil && !q.EventTypes[ev.Type]) {
		return ev, false, false, nil
	}
	if q.Locations != nil && (ev.BizLocation == nil || !q.Locations[ev.BizLocation.ID]) {
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
		if q.Locations != nil {
			return ev, false, false, nil // the location itself is private
		}
	}
	return ev, !inv, true, nil
}

// TraceBatches lists batch code and every batch on its backward and
// forward trace, code first (not found for an unknown code).
func (a *App) TraceBatches(ctx context.Context, code string) ([]string, error) {
	codes := []string{code}
	seen := map[string]bool{code: true}
	for _, dir := range []func(context.Context, string, int) (store.Trace, error){a.opts.Store.Backward, a.opts.Store.Forward} {
		t, err := dir(ctx, code, store.MaxTraceDepth)
		if err != nil {
			return nil, err
		}
		for _, n := range t.Nodes {
			if !seen[n.Code] {
				seen[n.Code] = true
				codes = append(codes, n.Code)
			}
		}
	}
	return codes, nil
}

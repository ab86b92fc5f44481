package server

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/models"
)

// An EPCIS capture runs as a job of internal/app (jobs_capture.go; the
// runner is internal/epcis's Capturer): the document is checked against
// the schema here, in the request, and small documents are answered when
// their job is done.
const (
	maxCaptureBody   = 64 << 20 // bytes of a capture document
	maxCaptureEvents = 100_000  // events of a capture document
	captureWait      = 500      // documents up to this many events are answered when done
)

// A capture's final state and event outcomes, as the API shows them
// (while it runs, its state is its phase: epcis.PhaseChecking or
// PhaseCommitting).
const (
	captureDone = "done"

	evCommitted  = epcis.EventCommitted
	evRejected   = epcis.EventRejected
	evNotApplied = epcis.EventNotApplied
)

// Error behaviours (GS1-Capture-Error-Behaviour).
const (
	behaviourRollback = epcis.BehaviourRollback
	behaviourProceed  = epcis.BehaviourProceed
)

// captureJob is one capture and its progress.
type captureJob struct {
	ID         string         `json:"id"`
	State      string         `json:"state"`           // checking, committing, done (interrupted when the server stopped it)
	Behaviour  string         `json:"error_behaviour"` // rollback or proceed
	Total      int            `json:"total"`
	Checked    int            `json:"checked"` // events translated and dry-run
	Committed  int            `json:"committed"`
	Replayed   int            `json:"replayed"` // committed by an earlier capture
	Rejected   int            `json:"rejected"`
	NotApplied int            `json:"not_applied"`
	Head       uint64         `json:"head,omitempty"` // ledger sequence the read model shows it at
	Events     []eventOutcome `json:"events"`
	Created    time.Time      `json:"created_at"`
	Finished   *time.Time     `json:"finished_at,omitempty"`
	Org        string         `json:"org"`
	User       string         `json:"user"`
}

// eventOutcome is one event's result, under the name the API documents.
type eventOutcome epcis.Outcome

// Success reports whether every event is on the ledger.
func (j captureJob) Success() bool {
	return j.State == captureDone && j.Committed+j.Replayed == j.Total
}

// Percent is the progress for the page's bar.
func (j captureJob) Percent() int {
	if j.Total == 0 || j.State == captureDone {
		return 100
	}
	return j.Checked * 90 / j.Total
}

// captureView is what the pages and the API show of a capture job: a
// running job's state is its phase, and each rejected event gets its API
// code here, the one place errors are classified.
func (s *Server) captureView(l *i18n.Localizer, j app.CaptureJob) captureJob {
	p := j.Data
	v := captureJob{ID: j.ID, State: string(j.State), Behaviour: p.Behaviour, Total: j.Total, Checked: p.Checked,
		Committed: p.Committed, Replayed: p.Replayed, Rejected: p.Rejected, NotApplied: p.NotApplied, Head: p.Head,
		Events: make([]eventOutcome, len(p.Events)), Created: j.Created, Org: j.Owner, User: p.User}
	if v.State == jobRunning {
		v.State = p.Phase
	}
	if !j.Finished.IsZero() {
		f := j.Finished
		v.Finished = &f
	}
	for i, o := range p.Events {
		v.Events[i] = eventOutcome(o)
		if o.Err == nil {
			continue
		}
		if _, v.Events[i].Code = status(o.Err); v.Events[i].Code == "internal" {
			v.Events[i].Message = "internal error; the server log has details"
		}
		var me *models.Error
		if errors.As(o.Err, &me) && l.Lang() != i18n.Languages[0].Tag {
			v.Events[i].Message = s.say(l, me) // in the reader's language
		}
	}
	return v
}

// captureList returns the organization's captures, newest first, without
// their events.
func (e *epcisArea) captureList(org string) []captureJob {
	var out []captureJob
	for _, j := range e.s.app.CaptureJobs(org) {
		v := e.s.captureView(e.s.cat.Localizer("en"), j)
		v.Events = nil
		out = append(out, v)
	}
	return out
}

// schemaErrorBody is the answer to a document that breaks the EPCIS
// schema: the usual error, and every place that is wrong.
type schemaErrorBody struct {
	Error        apiError            `json:"error"`
	SchemaErrors []epcis.SchemaError `json:"schema_errors"`
}

// captureRequest documents the capture body: an EPCISDocument.
type captureRequest struct {
	Context       []any          `json:"@context"`
	Type          string         `json:"type"`
	SchemaVersion string         `json:"schemaVersion"`
	CreationDate  string         `json:"creationDate"`
	Body          map[string]any `json:"epcisBody"`
}

// canCapture reports whether the user's role may submit anything.
func canCapture(c *gin.Context) error {
	u := currentUser(c)
	if u == nil || u.Role == models.RoleViewer {
		return models.Forbidden("the viewer role may not capture events; an admin, operator or inspector of the organization that recorded them may")
	}
	return nil
}

// behaviour reads GS1-Capture-Error-Behaviour (rollback by default).
func behaviour(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", behaviourRollback:
		return behaviourRollback, nil
	case behaviourProceed:
		return behaviourProceed, nil
	}
	return "", models.Invalid("GS1-Capture-Error-Behaviour", "%q is not rollback (nothing is applied when any event is rejected) or proceed (the valid events are applied)", v)
}

// readDocument checks a capture document against the EPCIS schema and
// splits it into events (epcis.ReadDocument).
func readDocument(body []byte) (epcis.CaptureDoc, error) {
	return epcis.ReadDocument(body, maxCaptureEvents, jsonError)
}

// schemaErrors is a document that breaks the schema.
type schemaErrors = epcis.SchemaErrors

// beginCapture checks a document and starts its job; small documents are
// answered when done.
func (e *epcisArea) beginCapture(c *gin.Context, body []byte, how string) (captureJob, error) {
	u := currentUser(c)
	doc, err := readDocument(body)
	if err != nil {
		return captureJob{}, err
	}
	j, done, err := e.s.app.StartCapture(app.Actor{User: u}, how, body, doc)
	if err != nil {
		return captureJob{}, err
	}
	if done != nil && len(doc.Events) <= captureWait {
		select {
		case <-done:
			j, _ = e.s.app.CaptureJob(j.ID)
		case <-time.After(e.s.opts.WriteTimeout):
		case <-c.Request.Context().Done():
		}
	}
	return e.s.captureView(e.s.loc(c), j), nil
}

// apiCapture serves POST /api/v1/epcis/capture.
func (e *epcisArea) apiCapture(c *gin.Context) {
	if err := canCapture(c); err != nil {
		e.s.fail(c, err)
		return
	}
	how, err := behaviour(c.GetHeader("GS1-Capture-Error-Behaviour"))
	if err != nil {
		e.s.fail(c, err)
		return
	}
	if err := capBody(c, maxCaptureBody); err != nil {
		e.s.fail(c, err)
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		e.s.fail(c, jsonError(err))
		return
	}
	j, err := e.beginCapture(c, body, how)
	var se *schemaErrors
	if errors.As(err, &se) {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, schemaErrorBody{
			Error:        apiError{Code: "invalid", Field: se.Errs[0].Pointer, Message: se.Error()},
			SchemaErrors: se.Errs,
		})
		return
	}
	if err != nil {
		e.s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/epcis/capture/"+j.ID)
	c.Header("GS1-EPCIS-Capture-Error-Behaviour", j.Behaviour)
	c.JSON(http.StatusAccepted, j)
}

// jobFor returns a capture job of the user's organization.
func (e *epcisArea) jobFor(c *gin.Context, id string) (captureJob, error) {
	j, ok := e.s.app.CaptureJob(id)
	if !ok || j.Owner != currentUser(c).OrgID {
		return captureJob{}, models.NotFound("id", "capture %q is not known (captures are kept in memory until the server restarts or %d newer ones replace them)", id, app.MaxCaptureJobs)
	}
	return e.s.captureView(e.s.loc(c), j), nil
}

// apiCaptureJob serves GET /api/v1/epcis/capture/{id}; ?events=none
// leaves the per-event results out (for polling), ?events=problems keeps
// only the rejected and not applied ones.
func (e *epcisArea) apiCaptureJob(c *gin.Context) {
	j, err := e.jobFor(c, c.Param("id"))
	if err != nil {
		e.s.fail(c, err)
		return
	}
	switch c.DefaultQuery("events", "all") {
	case "all":
	case "none":
		j.Events = []eventOutcome{}
	case "problems":
		kept := []eventOutcome{}
		for _, o := range j.Events {
			if o.Status == evRejected || o.Status == evNotApplied {
				kept = append(kept, o)
			}
		}
		j.Events = kept
	default:
		e.s.fail(c, models.Invalid("events", "%q is not all, problems or none", c.Query("events")))
		return
	}
	c.JSON(http.StatusOK, j)
}

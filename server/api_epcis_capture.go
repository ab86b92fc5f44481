package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/models"
)

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
// splits it into events. A document that breaks the schema is a
// *schemaErrors.
func readDocument(body []byte) (captured, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return captured{}, models.Invalid("", "the body is not JSON: %v", err)
	}
	errs, err := epcis.Validate(doc)
	if err != nil {
		return captured{}, err
	}
	if len(errs) > 0 {
		return captured{}, &schemaErrors{errs}
	}
	var shape struct {
		Type string `json:"type"`
		Body struct {
			EventList []json.RawMessage `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(body, &shape); err != nil {
		return captured{}, models.Invalid("", "the body could not be read: %v", err)
	}
	if shape.Type != "EPCISDocument" {
		return captured{}, models.Invalid("/type", "send an EPCISDocument (got %q)", shape.Type)
	}
	n := len(shape.Body.EventList)
	if n == 0 {
		return captured{}, models.Invalid("/epcisBody/eventList", "is empty; send at least one event")
	}
	if n > maxCaptureEvents {
		return captured{}, fmt.Errorf("%w: %d events; at most %d may be captured at once", errTooLarge, n, maxCaptureEvents)
	}
	out := captured{events: make([]epcis.Event, n), raws: make([][]byte, n), bad: map[int]error{}}
	for i, raw := range shape.Body.EventList {
		out.raws[i] = raw
	}
	bad := make([]error, n)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := json.Unmarshal(out.raws[i], &out.events[i]); err != nil {
					bad[i] = models.Invalid("", "the event could not be read: %v", jsonError(err))
				}
			}
		})
	}
	wg.Wait()
	for i, err := range bad {
		if err != nil {
			out.bad[i] = err
		}
	}
	return out, nil
}

// schemaErrors is a document that breaks the schema.
type schemaErrors struct{ errs []epcis.SchemaError }

func (e *schemaErrors) Error() string {
	return fmt.Sprintf("the document does not match the EPCIS 2.0 schema (%d errors; the first at %q: %s); nothing was applied", len(e.errs), e.errs[0].Pointer, e.errs[0].Message)
}

// beginCapture checks a document and starts its job; small documents are
// answered when done.
func (e *epcisArea) beginCapture(c *gin.Context, body []byte, how string) (captureJob, error) {
	u := currentUser(c)
	doc, err := readDocument(body)
	if err != nil {
		return captureJob{}, err
	}
	j, done, err := e.cap.start(u, captureID(u, how, body), how, doc)
	if err != nil {
		return captureJob{}, err
	}
	if done != nil && len(doc.events) <= captureWait {
		select {
		case <-done:
			j, _ = e.cap.snapshot(j.ID)
		case <-time.After(e.s.opts.WriteTimeout):
		case <-c.Request.Context().Done():
		}
	}
	return j, nil
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
			Error:        apiError{Code: "invalid", Field: se.errs[0].Pointer, Message: se.Error()},
			SchemaErrors: se.errs,
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
	j, ok := e.cap.snapshot(id)
	if !ok || j.Org != currentUser(c).OrgID {
		return captureJob{}, models.NotFound("id", "capture %q is not known (captures are kept in memory until the server restarts or %d newer ones replace them)", id, maxCaptureJobs)
	}
	return j, nil
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

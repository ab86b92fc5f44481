package server

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/models"
)

// maxCapturePage bounds the capture form: the document and a few fields.
const maxCapturePage = maxCaptureBody + 64<<10

// epcisPageData is what the EPCIS page shows.
type epcisPageData struct {
	Jobs       []captureJob
	CanCapture bool
	MaxMB      int
	MaxEvents  int
	Schema     []schemaErrorLine // a rejected document's schema errors
}

// schemaErrorLine is one schema error on the page.
type schemaErrorLine struct{ Pointer, Message string }

func (e *epcisArea) pageView(c *gin.Context) *view {
	u := currentUser(c)
	d := epcisPageData{CanCapture: canCapture(c) == nil, MaxMB: maxCaptureBody >> 20, MaxEvents: maxCaptureEvents}
	if u != nil {
		d.Jobs = e.captureList(u.OrgID)
	}
	v := e.s.view(c, "epcis", d)
	if v.Form.Get("behaviour") == "" {
		v.Form.Set("behaviour", behaviourRollback)
	}
	return v
}

// page shows the export links, the capture form and recent captures.
func (e *epcisArea) page(c *gin.Context) {
	e.s.page(c, http.StatusOK, "epcis_capture", e.pageView(c))
}

// tooBig shows the capture form with the size error next to the file.
func (e *epcisArea) tooBig(c *gin.Context, err error) {
	v := e.pageView(c)
	code, body := e.s.describe(c, err)
	v.Errors = map[string]string{"file": body.Message}
	e.s.page(c, code, "epcis_capture", v)
}

// upload starts a capture from the form, or shows why the document was
// refused.
func (e *epcisArea) upload(c *gin.Context) {
	v := e.pageView(c)
	if err := canCapture(c); err != nil {
		e.s.formFail(c, "epcis_capture", v, err)
		return
	}
	if _, err := c.MultipartForm(); err != nil {
		e.s.formFail(c, "epcis_capture", v, multipartError(err, maxCapturePage))
		return
	}
	how, err := behaviour(c.PostForm("behaviour"))
	if err != nil {
		e.s.formFail(c, "epcis_capture", v, models.Invalid("behaviour", "%s", v.L.T("epcis.behaviour_bad")))
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		e.s.formFail(c, "epcis_capture", v, models.Invalid("file", "%s", v.L.T("epcis.choose_file")))
		return
	}
	f, err := fh.Open()
	if err != nil {
		e.s.formFail(c, "epcis_capture", v, models.Invalid("file", "the file could not be read: %v", err))
		return
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxCaptureBody+1))
	if err == nil && len(body) > maxCaptureBody {
		err = multipartError(&http.MaxBytesError{Limit: maxCaptureBody}, maxCaptureBody)
	}
	if err != nil {
		e.s.formFail(c, "epcis_capture", v, err)
		return
	}
	j, err := e.beginCapture(c, body, how)
	var se *schemaErrors
	switch {
	case errors.As(err, &se):
		d := v.Data.(epcisPageData)
		for _, x := range se.Errs {
			d.Schema = append(d.Schema, schemaErrorLine{Pointer: x.Pointer, Message: x.Message})
		}
		v.Data = d
		e.s.formFail(c, "epcis_capture", v, models.Invalid("file", "%s", v.L.T("epcis.schema_rejected", "N", len(se.Errs))))
	case err != nil:
		_, body := e.s.describe(c, err)
		var me *models.Error
		if !errors.As(err, &me) || me.Field == "" || me.Field[0] == '/' {
			err = models.Invalid("file", "%s", body.Message)
		}
		e.s.formFail(c, "epcis_capture", v, err)
	default:
		e.s.flash(c, v.L.T("epcis.started", "N", j.Total))
		c.Redirect(http.StatusSeeOther, "/epcis/capture/"+j.ID)
	}
}

// job shows a capture's progress and results; epcis.js refreshes it from
// the API while it runs.
func (e *epcisArea) job(c *gin.Context) {
	j, err := e.jobFor(c, c.Param("id"))
	if err != nil {
		e.s.failPage(c, err)
		return
	}
	e.s.page(c, http.StatusOK, "epcis_capture_job", e.s.view(c, "epcis", captureJobView{captureJob: j, Shown: shownOutcomes(j.Events)}))
}

// captureJobView is a job with the results the page lists.
type captureJobView struct {
	captureJob
	Shown []eventOutcome
}

// maxShownOutcomes bounds the results listed on the page: rejected
// events first, then the rest in document order.
const maxShownOutcomes = 500

func shownOutcomes(evs []eventOutcome) []eventOutcome {
	var out []eventOutcome
	for _, o := range evs {
		if o.Status == evRejected && len(out) < maxShownOutcomes {
			out = append(out, o)
		}
	}
	for _, o := range evs {
		if o.Status != evRejected && len(out) < maxShownOutcomes {
			out = append(out, o)
		}
	}
	return out
}

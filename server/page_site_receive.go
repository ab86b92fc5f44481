package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// The receive request's wire types are the use case's.
type (
	receiveLine    = app.ReceiveLine
	receiveRequest = app.ReceiveRequest
)

// Receipt outcomes of one shipment line.
const (
	outcomeAccept      = app.OutcomeAccept
	outcomeReject      = app.OutcomeReject
	outcomeDiscrepancy = app.OutcomeDiscrepancy
)

// incomingData is the incoming shipments page's data.
type incomingData struct {
	Status    string // in_transit or received
	Shipments []models.Shipment
	Next      string
	Orgs      map[string]string
}

// incoming lists the shipments on their way to the user's organization,
// newest first (?status=received shows those already received).
func (s *Server) incoming(c *gin.Context) {
	v := s.view(c, "incoming", nil)
	status := models.ShipmentInTransit
	if c.Query("status") == models.ShipmentReceived {
		status = models.ShipmentReceived
	}
	p, err := s.opts.Store.Shipments(c.Request.Context(), store.ShipmentFilter{To: v.User.OrgID, Status: status, After: c.Query("after"), Limit: 20})
	if err != nil {
		s.failPage(c, err)
		return
	}
	v.Data = &incomingData{Status: status, Shipments: p.Items, Next: p.Next, Orgs: s.orgNames(c.Request.Context())}
	s.page(c, http.StatusOK, "site_incoming", v)
}

// receiveData is the receive page's data.
type receiveData struct {
	Shipment   models.Shipment
	Lines      []receiveLineView
	Orgs       map[string]string
	CanReceive bool
}

// receiveLineView is one line of the receive form with its field names.
type receiveLineView struct {
	models.ShipmentLine
	Product, Unit string
	// Form field names: lines[i].outcome, .received, .reason and lines[i].
	OutcomeField, ReceivedField, ReasonField, LineField string
}

// receiveView builds the receive page for shipment sh, reading the
// batches of all its lines in one query.
func (s *Server) receiveView(c *gin.Context, act app.Actor, sh models.Shipment) (*view, *receiveData) {
	v := s.view(c, "incoming", nil)
	ctx := c.Request.Context()
	d := &receiveData{Shipment: sh, Orgs: s.orgNames(ctx),
		CanReceive: sh.Status == models.ShipmentInTransit && may(act.User, act.Org, "ReceiveShipment")}
	codes := make([]string, len(sh.Lines))
	for i, l := range sh.Lines {
		codes[i] = l.Batch
	}
	batches, _ := s.opts.Store.BatchesByCode(ctx, codes) // names only: a failed read leaves them blank
	for i, l := range sh.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		lv := receiveLineView{ShipmentLine: l, OutcomeField: f + ".outcome", ReceivedField: f + ".received", ReasonField: f + ".reason", LineField: f}
		if b, ok := batches[l.Batch]; ok {
			lv.Product, lv.Unit = b.ProductID, b.Unit
		}
		d.Lines = append(d.Lines, lv)
	}
	v.Data = d
	return v, d
}

// incomingOf loads the shipment of the path for the actor, whose
// organization must be registered and its destination.
func (s *Server) incomingOf(c *gin.Context) (app.Actor, models.Shipment, error) {
	act, err := s.actor(c)
	if err == nil && act.Org == nil {
		_, _, err = s.userOrg(c) // says the organization is not registered
	}
	if err != nil {
		return act, models.Shipment{}, err
	}
	sh, err := s.app.IncomingShipment(c.Request.Context(), act, c.Param("code"))
	return act, sh, err
}

// receivePage shows an incoming shipment with a form answering each line.
func (s *Server) receivePage(c *gin.Context) {
	act, sh, err := s.incomingOf(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	v, _ := s.receiveView(c, act, sh)
	s.page(c, http.StatusOK, "site_receive", v)
}

// receiveForm records the receipt the form describes, as one transaction.
// It reads the shipment once, and its lines' batches only to show the form
// again after an error.
func (s *Server) receiveForm(c *gin.Context) {
	act, sh, err := s.incomingOf(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	fail := func(err error) {
		v, _ := s.receiveView(c, act, sh)
		s.formFail(c, "site_receive", v, err)
	}
	var req receiveRequest
	for i, l := range sh.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		rl := receiveLine{Line: l.Line, Outcome: c.PostForm(f + ".outcome"), Reason: c.PostForm(f + ".reason")}
		if rl.Outcome == outcomeDiscrepancy {
			if text := c.PostForm(f + ".received"); strings.TrimSpace(text) != "" {
				q, err := parseQuantity(f+".received", text)
				if err != nil {
					fail(err)
					return
				}
				rl.Received = &q
			}
		}
		req.Lines = append(req.Lines, rl)
	}
	got, err := s.app.Receive(c.Request.Context(), act, sh, req)
	if err != nil {
		fail(err)
		return
	}
	L := s.loc(c)
	msg := L.T("site.received", "Code", got.Code)
	if got.Discrepancy {
		msg = L.T("site.received_discrepancy", "Code", got.Code)
	}
	s.flash(c, msg)
	c.Redirect(http.StatusSeeOther, "/shipments/incoming?status="+url.QueryEscape(models.ShipmentReceived))
}

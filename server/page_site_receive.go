package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Receipt outcomes of one shipment line.
const (
	outcomeAccept      = "accept"      // everything dispatched arrived and is accepted
	outcomeReject      = "reject"      // the whole line is refused and goes back
	outcomeDiscrepancy = "discrepancy" // a different quantity arrived: accept that, return the rest
)

// receiveLine is the answer to one shipment line, as the receive form and
// the API give it.
type receiveLine struct {
	Line     int             `json:"line"`               // the shipment line number, 1-based
	Outcome  string          `json:"outcome"`            // accept, reject or discrepancy
	Received *models.Decimal `json:"received,omitempty"` // discrepancy: the quantity that arrived and is accepted
	Reason   string          `json:"reason,omitempty"`   // required for reject and discrepancy
}

// receiveRequest answers every line of an incoming shipment.
type receiveRequest struct {
	Lines []receiveLine `json:"lines"`
}

// receiptArgs turns per-line outcomes into the contract's accepted and
// rejected quantities. Errors name "lines[i].outcome", "lines[i].received"
// or "lines[i].reason", i being the position in req.Lines.
func receiptArgs(sh models.Shipment, req receiveRequest) (contract.ReceiveShipmentArgs, error) {
	a := contract.ReceiveShipmentArgs{Shipment: sh.Code}
	for i, l := range req.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.Line < 1 || l.Line > len(sh.Lines) {
			return a, models.Invalid(f+".line", "shipment %s has lines 1 to %d, not %d", sh.Code, len(sh.Lines), l.Line)
		}
		qty := sh.Lines[l.Line-1].Quantity
		r := contract.ReceiptLine{Line: l.Line, Reason: strings.TrimSpace(l.Reason)}
		switch l.Outcome {
		case outcomeAccept:
			r.Accepted = qty
		case outcomeReject:
			r.Rejected = qty
		case outcomeDiscrepancy:
			switch {
			case l.Received == nil:
				return a, models.Invalid(f+".received", "is required for a discrepancy: how much arrived (%s was dispatched)", qty)
			case *l.Received < 0:
				return a, models.Invalid(f+".received", "must not be negative")
			case *l.Received == qty:
				return a, models.Invalid(f+".received", "equals the %s dispatched; choose accept", qty)
			case *l.Received > qty:
				return a, models.Invalid(f+".received", "is more than the %s dispatched; accept the line and report the surplus to the supplier", qty)
			}
			r.Accepted, r.Rejected = *l.Received, qty-*l.Received
		default:
			return a, models.Invalid(f+".outcome", "%q is not one of accept, reject, discrepancy", l.Outcome)
		}
		a.Lines = append(a.Lines, r)
	}
	return a, nil
}

// receiptField moves the contract's quantity errors of a line onto the
// field where the quantity is entered.
func receiptField(f string) string {
	list, i, rest, ok := splitIndex(f)
	if !ok || list != "lines" {
		return f
	}
	switch rest {
	case "", ".accepted", ".rejected":
		return fmt.Sprintf("lines[%d].received", i)
	}
	return f
}

// incomingShipment loads a shipment addressed to the organization; any
// other organization's shipment is forbidden.
func (s *Server) incomingShipment(c *gin.Context, org *models.Organization, code string) (models.Shipment, error) {
	sh, err := s.opts.Store.Shipment(c.Request.Context(), code)
	if err != nil {
		return sh, asField(err, "shipment")
	}
	if sh.To != org.ID {
		return sh, &models.Error{Kind: models.ErrForbidden, Field: "shipment", Message: fmt.Sprintf("shipment %s goes to %s; only the destination may receive it", sh.Code, sh.To)}
	}
	return sh, nil
}

// receive checks and submits a receipt; it returns the shipment as the
// read model shows it afterwards.
func (s *Server) receive(c *gin.Context, sh models.Shipment, req receiveRequest) (models.Shipment, error) {
	args, err := receiptArgs(sh, req)
	if err != nil {
		return sh, err
	}
	if _, err := s.submit(c, "ReceiveShipment", args); err != nil {
		return sh, renameField(err, receiptField)
	}
	return s.opts.Store.Shipment(c.Request.Context(), sh.Code)
}

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

func (s *Server) receiveView(c *gin.Context) (*view, *receiveData, error) {
	v := s.view(c, "incoming", nil)
	u, org, err := s.userOrg(c)
	if err != nil {
		return v, nil, err
	}
	sh, err := s.incomingShipment(c, org, c.Param("code"))
	if err != nil {
		return v, nil, err
	}
	d := &receiveData{Shipment: sh, Orgs: s.orgNames(c.Request.Context()),
		CanReceive: sh.Status == models.ShipmentInTransit && may(u, org, "ReceiveShipment")}
	for i, l := range sh.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		lv := receiveLineView{ShipmentLine: l, OutcomeField: f + ".outcome", ReceivedField: f + ".received", ReasonField: f + ".reason", LineField: f}
		if b, err := s.opts.Store.Batch(c.Request.Context(), l.Batch); err == nil {
			lv.Product, lv.Unit = b.ProductID, b.Unit
		}
		d.Lines = append(d.Lines, lv)
	}
	v.Data = d
	return v, d, nil
}

// receivePage shows an incoming shipment with a form answering each line.
func (s *Server) receivePage(c *gin.Context) {
	v, _, err := s.receiveView(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	s.page(c, http.StatusOK, "site_receive", v)
}

// receiveForm records the receipt the form describes, as one transaction.
func (s *Server) receiveForm(c *gin.Context) {
	v, d, err := s.receiveView(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	var req receiveRequest
	for i, l := range d.Shipment.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		rl := receiveLine{Line: l.Line, Outcome: c.PostForm(f + ".outcome"), Reason: c.PostForm(f + ".reason")}
		if rl.Outcome == outcomeDiscrepancy {
			if text := c.PostForm(f + ".received"); strings.TrimSpace(text) != "" {
				q, err := parseQuantity(f+".received", text)
				if err != nil {
					s.formFail(c, "site_receive", v, err)
					return
				}
				rl.Received = &q
			}
		}
		req.Lines = append(req.Lines, rl)
	}
	sh, err := s.receive(c, d.Shipment, req)
	if err != nil {
		s.formFail(c, "site_receive", v, err)
		return
	}
	msg := v.L.T("site.received", "Code", sh.Code)
	if sh.Discrepancy {
		msg = v.L.T("site.received_discrepancy", "Code", sh.Code)
	}
	s.flash(c, msg)
	c.Redirect(http.StatusSeeOther, "/shipments/incoming?status="+url.QueryEscape(models.ShipmentReceived))
}

package epcis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Lookup finds what identifiers name where the world state has no index:
// a product by GTIN, and the batch a GS1 Digital Link names (the server
// asks its read model). Both return a models.ErrNotFound error when there
// is none.
type Lookup interface {
	ProductByGTIN(ctx context.Context, gtin14 string) (string, error)
	BatchByLot(ctx context.Context, gtin14, lot string) (string, error)
}

// Translator turns captured EPCIS events into the contract transactions
// that record them. State is the world state as it will be when the event
// runs (a capture executes each event on an overlay before translating the
// next). A Translator remembers the batches earlier events of its document
// made, so later events may name them by their Digital Link.
type Translator struct {
	State  Facts
	Lookup Lookup
	lots   map[string]string // gtin14 + "/" + lot → batch code, made in this document
}

// Translated is the transaction an event becomes.
type Translated struct {
	Type string
	Args any
	Time time.Time
}

// invalid is a rejection at a JSON pointer within the event.
func invalid(pointer, format string, args ...any) error {
	return models.Invalid(pointer, format, args...)
}

// Tx returns the transaction that records ev. A rejection is a
// *models.Error whose Field is a JSON pointer into the event.
func (t *Translator) Tx(ctx context.Context, ev Event) (Translated, error) {
	at, err := time.Parse(time.RFC3339Nano, ev.EventTime)
	if err != nil {
		return Translated{}, invalid("/eventTime", "%q is not an RFC 3339 time", ev.EventTime)
	}
	typ, args, err := t.translate(ctx, ev, at)
	if err != nil {
		return Translated{}, err
	}
	return Translated{Type: typ, Args: args, Time: at.UTC()}, nil
}

// Classify names the transaction type an event becomes, or says why there
// is none.
func Classify(ev Event) (string, error) {
	switch ev.Type {
	case TransformationEvent:
		return "TransformBatches", nil
	case TransactionEvent:
		if ev.Action != "ADD" || !hasType(ev.BizTransactionList, "po") {
			return "", invalid("/action", "a TransactionEvent is captured as a purchase order: action ADD with a bizTransaction of type po")
		}
		return "CreatePurchaseOrder", nil
	case ObjectEvent:
	default:
		return "", invalid("/type", "%s events are not captured; send ObjectEvent, TransformationEvent or TransactionEvent", ev.Type)
	}
	switch {
	case ev.Case != "":
		return "", invalid("/plb:case", "quality case events are exported, not captured: they name cases and usages by the IDs of the instance that recorded them; open and answer cases through /api/v1/cases here")
	case ev.Correction != nil:
		return "CorrectEntry", nil
	case ev.Document != nil:
		return "AttachDocument", nil
	case ev.Action == "ADD":
		if ev.BizStep != "" && ev.BizStep != "commissioning" {
			return "", invalid("/bizStep", "an ObjectEvent ADD is captured as commissioning; bizStep %q is not", ev.BizStep)
		}
		return "CommissionBatch", nil
	case ev.Action == "DELETE":
		return "", invalid("/action", "DELETE is not captured: record usage (bizStep installing) or a recall instead")
	case ev.Disposition == "recalled":
		return "RecallBatch", nil
	}
	switch ev.BizStep {
	case "shipping", "departing":
		return "DispatchShipment", nil
	case "receiving", "accepting", "arriving":
		return "ReceiveShipment", nil
	case "inspecting", "sampling":
		return "RecordInspection", nil
	case "holding":
		return "ReleaseHold", nil
	case "installing":
		return "RecordUsage", nil
	case "":
		return "", invalid("/bizStep", "is required to say what happened: one of %s", strings.Join(BizSteps(), ", "))
	}
	return "", invalid("/bizStep", "%q has no Plumbline transaction; captured bizSteps: %s", ev.BizStep, strings.Join(BizSteps(), ", "))
}

func (t *Translator) translate(ctx context.Context, ev Event, at time.Time) (string, any, error) {
	typ, err := Classify(ev)
	if err != nil {
		return "", nil, err
	}
	var args any
	switch typ {
	case "CommissionBatch":
		args, err = t.commission(ctx, ev, at)
	case "CreatePurchaseOrder":
		args, err = t.order(ctx, ev)
	case "DispatchShipment":
		args, err = t.dispatch(ctx, ev)
	case "ReceiveShipment":
		args, err = t.receipt(ctx, ev)
	case "RecordInspection":
		args, err = t.inspection(ctx, ev)
	case "ReleaseHold":
		args, err = t.release(ctx, ev)
	case "RecordUsage":
		args, err = t.usage(ctx, ev)
	case "TransformBatches":
		args, err = t.transform(ctx, ev, at)
	case "RecallBatch":
		args, err = t.recall(ctx, ev)
	case "AttachDocument":
		args, err = t.document(ctx, ev)
	case "CorrectEntry":
		args, err = t.correction(ctx, ev)
	}
	return typ, args, err
}

func hasType(bts []BizTransaction, typ string) bool {
	for _, b := range bts {
		if b.Type == typ {
			return true
		}
	}
	return false
}

// record loads a world-state record; absent is false.
func (t *Translator) record(ctx context.Context, prefix, id string, v any) (bool, error) {
	raw, err := t.State.Get(ctx, models.Key(prefix, id))
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal(raw, v)
}

// batch resolves a batch identifier at pointer to a batch code. The batch
// need not exist yet (commissioning names a new one).
func (t *Translator) batch(ctx context.Context, pointer, uri string) (string, error) {
	id, err := Parse(uri)
	if err != nil {
		return "", invalid(pointer, "%v", err)
	}
	switch id.Kind {
	case IDBatch:
		return id.Code, models.ValidateID(pointer, id.Code)
	case IDLot:
		if code, ok := t.lots[id.GTIN+"/"+id.Lot]; ok {
			return code, nil
		}
		code, err := t.Lookup.BatchByLot(ctx, id.GTIN, id.Lot)
		if errors.Is(err, models.ErrNotFound) {
			return "", models.NotFound(pointer, "no batch has the identifier %s (lot %s of GTIN %s); commission it first", uri, id.Lot, id.GTIN)
		}
		return code, err
	}
	return "", invalid(pointer, "%s names a %s, not a batch: use /b/{code} or /01/{gtin}/10/{lot}", uri, id.Kind)
}

// product resolves a product class identifier.
func (t *Translator) product(ctx context.Context, pointer, uri string) (string, error) {
	id, err := Parse(uri)
	if err != nil {
		return "", invalid(pointer, "%v", err)
	}
	switch id.Kind {
	case IDProduct:
		return id.Code, nil
	case IDGTIN, IDLot:
		p, err := t.Lookup.ProductByGTIN(ctx, id.GTIN)
		if errors.Is(err, models.ErrNotFound) {
			return "", models.NotFound(pointer, "no product is registered with GTIN %s; its manufacturer registers it first", id.GTIN)
		}
		return p, err
	}
	return "", invalid(pointer, "%s names a %s, not a product: use /01/{gtin} or /epcis/products/{id}", uri, id.Kind)
}

// party resolves a party identifier to an organization ID.
func party(pointer, uri string) (string, error) {
	id, err := Parse(uri)
	if err != nil {
		return "", invalid(pointer, "%v", err)
	}
	if id.Kind != IDParty {
		return "", invalid(pointer, "%s is not a party: use /epcis/parties/{organization}", uri)
	}
	return id.Code, nil
}

// RecordedBy returns the organization that recorded ev ("" when it does
// not say).
func RecordedBy(ev Event) (string, error) {
	if ev.RecordedBy == "" {
		return "", nil
	}
	return party("/plb:recordedBy", ev.RecordedBy)
}

// quantity returns a quantity element's quantity, required at pointer.
func quantity(pointer string, q Quantity) (models.Decimal, error) {
	if q.Quantity == nil {
		return 0, invalid(pointer+"/quantity", "is required: how much of %s", q.EPCClass)
	}
	if q.UOM != "" && Unit(q.UOM) == "" {
		return 0, invalid(pointer+"/uom", "%q is not a unit Plumbline uses (TNE, KGM, MTQ, MTK, MTR, H87, LTR)", q.UOM)
	}
	return *q.Quantity, nil
}

// subject is the one batch an event is about: the first of quantityList
// or epcList.
func (t *Translator) subject(ctx context.Context, ev Event) (string, error) {
	switch {
	case len(ev.QuantityList) > 0:
		return t.batch(ctx, "/quantityList/0/epcClass", ev.QuantityList[0].EPCClass)
	case len(ev.EPCList) > 0:
		return t.batch(ctx, "/epcList/0", ev.EPCList[0])
	}
	return "", invalid("/quantityList", "name the batch: a quantityList with its epcClass")
}

func ilmdString(ev Event, key string) (string, error) {
	v, ok := ev.ILMD[key]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", invalid("/ilmd/"+key, "must be a string")
	}
	return s, nil
}

func (t *Translator) commission(ctx context.Context, ev Event, at time.Time) (any, error) {
	if len(ev.QuantityList) != 1 {
		return nil, invalid("/quantityList", "commissioning names exactly one batch, with its quantity (got %d)", len(ev.QuantityList))
	}
	q := ev.QuantityList[0]
	qty, err := quantity("/quantityList/0", q)
	if err != nil {
		return nil, err
	}
	a := contract.CommissionBatchArgs{Quantity: qty, ProducedOn: at.UTC().Format(models.DateLayout), Documents: ev.Documents}
	fields := map[string]*string{"plb:batchCode": &a.Code, "plb:producedOn": &a.ProducedOn, "cbvmda:lotNumber": &a.LotNumber, "plb:heatNumber": &a.HeatNumber, "plb:origin": &a.Origin}
	for key, dst := range fields {
		s, err := ilmdString(ev, key)
		if err != nil {
			return nil, err
		}
		if s != "" {
			*dst = s
		}
	}
	// A production date more than contract.OldDateYears back is confirmed
	// by plb:confirmOldDate: true (contract V4).
	switch v := ev.ILMD["plb:confirmOldDate"].(type) {
	case nil:
	case bool:
		a.ConfirmOldDate = v
	default:
		return nil, invalid("/ilmd/plb:confirmOldDate", "must be true or false")
	}
	id, err := Parse(q.EPCClass)
	if err != nil {
		return nil, invalid("/quantityList/0/epcClass", "%v", err)
	}
	switch {
	case a.Code != "":
	case id.Kind == IDBatch:
		a.Code = id.Code
	case id.Kind == IDLot:
		a.Code = id.Lot // a lot number that is also the batch code
	default:
		return nil, invalid("/quantityList/0/epcClass", "%s names a %s, not a batch", q.EPCClass, id.Kind)
	}
	prod, err := ilmdString(ev, "plb:product")
	if err != nil {
		return nil, err
	}
	switch {
	case prod != "":
		if a.ProductID, err = t.product(ctx, "/ilmd/plb:product", prod); err != nil {
			return nil, err
		}
	case id.Kind == IDLot:
		if a.ProductID, err = t.product(ctx, "/quantityList/0/epcClass", q.EPCClass); err != nil {
			return nil, err
		}
	default:
		return nil, invalid("/ilmd/plb:product", "is required: which product the batch is (/01/{gtin} or /epcis/products/{id})")
	}
	if id.Kind == IDLot {
		t.remember(id.GTIN, id.Lot, a.Code)
	}
	return a, nil
}

// remember notes that this document made the batch code with a Digital
// Link.
func (t *Translator) remember(gtin14, lot, code string) {
	if t.lots == nil {
		t.lots = map[string]string{}
	}
	t.lots[gtin14+"/"+lot] = code
}

func (t *Translator) order(ctx context.Context, ev Event) (any, error) {
	a := contract.CreatePurchaseOrderArgs{DeliverBy: ev.DeliverBy}
	for i, b := range ev.BizTransactionList {
		if b.Type != "po" {
			continue
		}
		id, err := Parse(b.BizTransaction)
		if err != nil || id.Kind != IDPO {
			return nil, invalid(fmt.Sprintf("/bizTransactionList/%d/bizTransaction", i), "%s is not a purchase order identifier (/epcis/purchase-orders/{id})", b.BizTransaction)
		}
		a.ID = id.Code
		break
	}
	for i, s := range ev.SourceList {
		if s.Type == "owning_party" {
			sup, err := party(fmt.Sprintf("/sourceList/%d/source", i), s.Source)
			if err != nil {
				return nil, err
			}
			a.Supplier = sup
		}
	}
	if a.Supplier == "" {
		return nil, invalid("/sourceList", "name the supplier: a source of type owning_party")
	}
	for i, d := range ev.DestinationList {
		if d.Type == "location" {
			id, err := Parse(d.Destination)
			if err != nil || id.Kind != IDSite {
				return nil, invalid(fmt.Sprintf("/destinationList/%d/destination", i), "%s is not a site (/epcis/parties/{org}/sites/{site})", d.Destination)
			}
			a.Site = id.Site
		}
	}
	if len(ev.QuantityList) == 0 {
		return nil, invalid("/quantityList", "list the ordered products with their quantities")
	}
	for i, q := range ev.QuantityList {
		p := fmt.Sprintf("/quantityList/%d", i)
		qty, err := quantity(p, q)
		if err != nil {
			return nil, err
		}
		prod, err := t.product(ctx, p+"/epcClass", q.EPCClass)
		if err != nil {
			return nil, err
		}
		a.Lines = append(a.Lines, contract.OrderLine{Line: i + 1, ProductID: prod, Quantity: qty})
	}
	return a, nil
}

// shipmentRef returns the shipment code an event's plb:shipment
// bizTransaction names, or "".
func shipmentRef(ev Event) (string, error) {
	for i, b := range ev.BizTransactionList {
		if b.Type != "plb:shipment" {
			continue
		}
		id, err := Parse(b.BizTransaction)
		if err != nil || id.Kind != IDShipment {
			return "", invalid(fmt.Sprintf("/bizTransactionList/%d/bizTransaction", i), "%s is not a shipment (/shipments/{code})", b.BizTransaction)
		}
		return id.Code, nil
	}
	return "", nil
}

// lineFor returns the plb:lines entry for the quantity element i.
func lineFor(ev Event, i int) *Line {
	if i < len(ev.Lines) && ev.Lines[i].EPCClass == ev.QuantityList[i].EPCClass {
		return &ev.Lines[i]
	}
	for j := range ev.Lines {
		if ev.Lines[j].EPCClass == ev.QuantityList[i].EPCClass {
			return &ev.Lines[j]
		}
	}
	return nil
}

func (t *Translator) dispatch(ctx context.Context, ev Event) (any, error) {
	var a contract.DispatchShipmentArgs
	code, err := shipmentRef(ev)
	if err != nil {
		return nil, err
	}
	if code == "" {
		// A shipment from another system: name it after the event.
		h := sha256.Sum256([]byte(ev.EventID + ev.EventTime + ev.RecordedBy))
		code = "EPCIS-" + strings.ToUpper(hex.EncodeToString(h[:6]))
	}
	a.Code = code
	for i, d := range ev.DestinationList {
		p := fmt.Sprintf("/destinationList/%d/destination", i)
		switch d.Type {
		case "owning_party":
			if a.To, err = party(p, d.Destination); err != nil {
				return nil, err
			}
		case "possessing_party":
			if a.To == "" {
				if a.To, err = party(p, d.Destination); err != nil {
					return nil, err
				}
			}
		case "location":
			id, err := Parse(d.Destination)
			if err != nil || id.Kind != IDSite {
				return nil, invalid(p, "%s is not a site (/epcis/parties/{org}/sites/{site})", d.Destination)
			}
			a.Site = id.Site
		}
	}
	if a.To == "" {
		return nil, invalid("/destinationList", "name the receiver: a destination of type owning_party")
	}
	if ev.Carrier == "" {
		return nil, invalid("/plb:carrier", "name the carrier that holds the goods in transit, e.g. \"plb:carrier\": \".../epcis/parties/{carrier}\"")
	}
	if a.Carrier, err = party("/plb:carrier", ev.Carrier); err != nil {
		return nil, err
	}
	a.Vehicle = ev.Vehicle
	for i, b := range ev.BizTransactionList {
		if b.Type == "desadv" {
			id, err := Parse(b.BizTransaction)
			if err != nil || id.Kind != IDDeliveryNote {
				return nil, invalid(fmt.Sprintf("/bizTransactionList/%d/bizTransaction", i), "%s is not a delivery note (/epcis/delivery-notes/{shipper}/{number})", b.BizTransaction)
			}
			a.DeliveryNote = id.Extra
		}
	}
	if len(ev.QuantityList) == 0 {
		return nil, invalid("/quantityList", "list the batches shipped with their quantities")
	}
	for i, q := range ev.QuantityList {
		p := fmt.Sprintf("/quantityList/%d", i)
		qty, err := quantity(p, q)
		if err != nil {
			return nil, err
		}
		l := contract.DispatchLine{Quantity: qty}
		line := lineFor(ev, i)
		if line != nil && line.Source != "" {
			if l.Batch, err = t.batch(ctx, "/plb:lines/source", line.Source); err != nil {
				return nil, err
			}
		} else if l.Batch, err = t.batch(ctx, p+"/epcClass", q.EPCClass); err != nil {
			return nil, err
		}
		if line != nil && line.PO != "" {
			id, err := Parse(line.PO)
			if err != nil || id.Kind != IDPO {
				return nil, invalid("/plb:lines/plb:po", "%s is not a purchase order identifier", line.PO)
			}
			l.POID, l.POLine = id.Code, line.POLine
		}
		a.Lines = append(a.Lines, l)
	}
	return a, nil
}

func (t *Translator) receipt(ctx context.Context, ev Event) (any, error) {
	code, err := shipmentRef(ev)
	if err != nil {
		return nil, err
	}
	if len(ev.QuantityList) == 0 {
		return nil, invalid("/quantityList", "list the batches received")
	}
	// What each named batch's line says: accepted, rejected, why. Without
	// plb:lines, the quantity is what was accepted and the rest of the
	// line is rejected (which needs a reason: the contract says so).
	type answer struct {
		accepted, rejected models.Decimal
		reason             string
		explicit           bool
	}
	answers := map[string]answer{}
	for i, q := range ev.QuantityList {
		p := fmt.Sprintf("/quantityList/%d", i)
		b, err := t.batch(ctx, p+"/epcClass", q.EPCClass)
		if err != nil {
			return nil, err
		}
		if code == "" {
			var bt models.Batch
			if ok, err := t.record(ctx, models.PrefixBatch, b, &bt); err != nil {
				return nil, err
			} else if !ok || bt.Shipment == "" {
				return nil, models.Conflict(p+"/epcClass", "batch %s is not in transit; name the shipment in a bizTransaction of type plb:shipment", b)
			}
			code = bt.Shipment
		}
		ans := answer{}
		if line := lineFor(ev, i); line != nil && line.Accepted != nil {
			ans.accepted, ans.reason, ans.explicit = *line.Accepted, line.Reason, true
			if line.Rejected != nil {
				ans.rejected = *line.Rejected
			}
		} else {
			qty, err := quantity(p, q)
			if err != nil {
				return nil, err
			}
			ans.accepted = qty
		}
		answers[b] = ans
	}
	var sh models.Shipment
	if ok, err := t.record(ctx, models.PrefixShipment, code, &sh); err != nil {
		return nil, err
	} else if !ok {
		return nil, models.NotFound("/bizTransactionList", "shipment %s does not exist; capture its shipping event first", code)
	}
	a := contract.ReceiveShipmentArgs{Shipment: code}
	for _, sl := range sh.Lines {
		ans, ok := answers[sl.Batch]
		if !ok {
			return nil, invalid("/quantityList", "shipment %s line %d (batch %s) is not in the event; answer every batch of the shipment", code, sl.Line, sl.Batch)
		}
		if !ans.explicit && ans.accepted < sl.Quantity {
			ans.rejected = sl.Quantity - ans.accepted
		}
		a.Lines = append(a.Lines, contract.ReceiptLine{Line: sl.Line, Accepted: ans.accepted, Rejected: ans.rejected, Reason: ans.reason})
	}
	return a, nil
}

func (t *Translator) inspection(ctx context.Context, ev Event) (any, error) {
	b, err := t.subject(ctx, ev)
	if err != nil {
		return nil, err
	}
	a := contract.RecordInspectionArgs{Batch: b, Type: ev.InspectionType, Condition: ev.Condition, Notes: ev.Notes, Documents: ev.Documents}
	if a.Type == "" {
		a.Type = "incoming"
		if ev.BizStep == "sampling" {
			a.Type = "sampling"
		}
	}
	switch {
	case ev.Verdict != "":
		a.Verdict = models.Verdict(ev.Verdict)
	case ev.Disposition == "conformant":
		a.Verdict = models.VerdictPass
	case ev.Disposition == "non_conformant":
		a.Verdict = models.VerdictFail
	default:
		return nil, invalid("/disposition", "say the verdict: disposition conformant or non_conformant (or plb:verdict pass, conditional, fail)")
	}
	for i, se := range ev.SensorElementList {
		for j, r := range se.Report {
			name, ok := strings.CutPrefix(r.Type, "plb:")
			if !ok {
				return nil, invalid(fmt.Sprintf("/sensorElementList/%d/sensorReport/%d/type", i, j), "%q: name the measured property as plb:{property}, e.g. plb:compressive_strength_28d", r.Type)
			}
			a.Results = append(a.Results, contract.InspectionResult{Property: name, Value: r.Value})
		}
	}
	return a, nil
}

func (t *Translator) release(ctx context.Context, ev Event) (any, error) {
	b, err := t.subject(ctx, ev)
	if err != nil {
		return nil, err
	}
	if ev.Reason == "" {
		return nil, invalid("/plb:reason", "say why the hold is released")
	}
	return contract.ReleaseHoldArgs{Batch: b, Reason: ev.Reason}, nil
}

func (t *Translator) usage(ctx context.Context, ev Event) (any, error) {
	b, err := t.subject(ctx, ev)
	if err != nil {
		return nil, err
	}
	qty, err := quantity("/quantityList/0", ev.QuantityList[0])
	if err != nil {
		return nil, err
	}
	a := contract.RecordUsageArgs{Batch: b, Quantity: qty}
	switch {
	case ev.Location != nil:
		a.Location = models.Location{Project: ev.Location.Project, Building: ev.Location.Building, Floor: ev.Location.Floor, Element: ev.Location.Element}
	case ev.BizLocation != nil:
		id, err := Parse(ev.BizLocation.ID)
		if err != nil || id.Kind != IDLocation {
			return nil, invalid("/bizLocation/id", "%s is not a location (/epcis/locations?project=…&building=…&floor=…&element=…)", ev.BizLocation.ID)
		}
		a.Location = id.Loc
	default:
		return nil, invalid("/bizLocation", "say where it was used: a bizLocation /epcis/locations?project=…&building=…&floor=…&element=…")
	}
	return a, nil
}

func (t *Translator) transform(ctx context.Context, ev Event, at time.Time) (any, error) {
	a := contract.TransformBatchesArgs{Kind: ev.Kind}
	if len(ev.InputQuantityList) == 0 || len(ev.OutputQuantityList) == 0 {
		return nil, invalid("/inputQuantityList", "a transformation lists its inputs and outputs with quantities")
	}
	inProducts := map[string]bool{}
	for i, q := range ev.InputQuantityList {
		p := fmt.Sprintf("/inputQuantityList/%d", i)
		qty, err := quantity(p, q)
		if err != nil {
			return nil, err
		}
		code, err := t.batch(ctx, p+"/epcClass", q.EPCClass)
		if err != nil {
			return nil, err
		}
		var b models.Batch
		if ok, err := t.record(ctx, models.PrefixBatch, code, &b); err != nil {
			return nil, err
		} else if ok {
			inProducts[b.ProductID] = true
		}
		a.Inputs = append(a.Inputs, models.BatchInput{Code: code, Quantity: qty})
	}
	var total models.Decimal
	for i, q := range ev.OutputQuantityList {
		p := fmt.Sprintf("/outputQuantityList/%d", i)
		qty, err := quantity(p, q)
		if err != nil {
			return nil, err
		}
		o := contract.TransformOutput{Quantity: qty, ProducedOn: at.UTC().Format(models.DateLayout)}
		var info *Output
		for j := range ev.Outputs {
			if ev.Outputs[j].EPCClass == q.EPCClass {
				info = &ev.Outputs[j]
			}
		}
		id, err := Parse(q.EPCClass)
		if err != nil {
			return nil, invalid(p+"/epcClass", "%v", err)
		}
		switch {
		case info != nil && info.Code != "":
			o.Code = info.Code
		case id.Kind == IDBatch:
			o.Code = id.Code
		case id.Kind == IDLot:
			o.Code = id.Lot
		default:
			return nil, invalid(p+"/epcClass", "%s names a %s, not a batch", q.EPCClass, id.Kind)
		}
		switch {
		case info != nil && info.Product != "":
			if o.ProductID, err = t.product(ctx, "/plb:outputs/plb:product", info.Product); err != nil {
				return nil, err
			}
		case id.Kind == IDLot:
			if o.ProductID, err = t.product(ctx, p+"/epcClass", q.EPCClass); err != nil {
				return nil, err
			}
		case len(inProducts) == 1:
			for prod := range inProducts {
				o.ProductID = prod // a split or merge keeps the product
			}
		default:
			return nil, invalid("/plb:outputs", "say which product output %s is (plb:outputs[].plb:product)", q.EPCClass)
		}
		if info != nil {
			if info.ProducedOn != "" {
				o.ProducedOn = info.ProducedOn
			}
			o.LotNumber, o.Origin = info.LotNumber, info.Origin
		}
		if id.Kind == IDLot {
			t.remember(id.GTIN, id.Lot, o.Code)
		}
		if total, err = sum(total, qty); err != nil {
			return nil, invalid(p+"/quantity", "%v", err)
		}
		a.Outputs = append(a.Outputs, o)
	}
	if a.Kind == "" {
		same := len(inProducts) == 1
		for _, o := range a.Outputs {
			same = same && inProducts[o.ProductID]
		}
		switch {
		case same && len(a.Inputs) == 1:
			a.Kind = contract.TransformSplit
		case same && len(a.Outputs) == 1:
			a.Kind = contract.TransformMerge
		default:
			a.Kind = contract.TransformMix
		}
	}
	if a.Kind == contract.TransformMix {
		y := total
		if ev.Yield != nil && ev.Yield.Quantity != nil {
			y = *ev.Yield.Quantity
		}
		a.Yield = &y
	}
	return a, nil
}

func sum(a, b models.Decimal) (models.Decimal, error) {
	s, ok := a.Add(b)
	if !ok {
		return 0, fmt.Errorf("the quantities are too large")
	}
	return s, nil
}

func (t *Translator) recall(ctx context.Context, ev Event) (any, error) {
	b, err := t.subject(ctx, ev)
	if err != nil {
		return nil, err
	}
	if ev.Reason == "" {
		return nil, invalid("/plb:reason", "say why the batch is recalled")
	}
	if ev.Severity == "" {
		return nil, invalid("/plb:severity", "say how severe the recall is: low, medium, high or critical")
	}
	return contract.RecallBatchArgs{Batch: b, Reason: ev.Reason, Severity: ev.Severity}, nil
}

func (t *Translator) document(ctx context.Context, ev Event) (any, error) {
	b, err := t.subject(ctx, ev)
	if err != nil {
		return nil, err
	}
	d := ev.Document
	return contract.AttachDocumentArgs{Batch: b, Document: contract.DocumentArgs{
		SHA256: d.SHA256, Name: d.Name, MediaType: d.MediaType, Size: d.Size,
		Kind: models.DocumentKind(d.Kind), Visibility: models.Visibility(d.Visibility),
	}}, nil
}

func (t *Translator) correction(ctx context.Context, ev Event) (any, error) {
	c := ev.Correction
	if ev.Reason == "" {
		return nil, invalid("/plb:reason", "say why the record is corrected")
	}
	return contract.CorrectEntryArgs{TargetKind: c.TargetKind, TargetID: c.TargetID, Field: c.Field, Value: c.Value, Reason: ev.Reason}, nil
}

// IdempotencyKey is the ledger idempotency key of a captured event: from
// its eventID, or from its bytes when it has none, so that posting the
// same document again commits nothing twice.
func IdempotencyKey(ev Event, raw []byte) string {
	h := sha256.New()
	if ev.EventID != "" {
		h.Write([]byte("id\n" + ev.EventID))
	} else {
		h.Write([]byte("raw\n"))
		h.Write(raw)
	}
	return "epcis/" + hex.EncodeToString(h.Sum(nil)[:20])
}

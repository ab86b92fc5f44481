package demo

import (
	"fmt"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// commission plans a manufacturer's new batch.
func (p *planner) commission(org, prod, code string, qty models.Decimal, extra func(a *contract.CommissionBatchArgs)) *simBatch {
	a := contract.CommissionBatchArgs{Code: code, ProductID: prod, Quantity: qty, ProducedOn: p.date()}
	if extra != nil {
		extra(&a)
	}
	p.emit(org, models.RoleOperator, "CommissionBatch", a)
	return p.add(&simBatch{
		code: code, product: prod, remaining: qty, holder: org, producer: org,
		status: models.StatusAvailable, usable: !p.products[prod].InspectionRequired,
	})
}

// dueDays is how many days after a monthly order each supplier is asked
// to deliver by. An order is drawn on for about four weeks, so suppliers
// given less than that deliver the month's last loads late, and the
// dashboard's on-time chart has late deliveries to show. Fixed, not drawn
// from the random source, so the rest of the plan is unchanged by it.
var dueDays = map[string]int{OrgCement: 31, OrgQuarry: 17, OrgReadyMix: 21, OrgSteel: 20, OrgGlass: 14}

// order plans a purchase order of one line and returns its ID.
func (p *planner) order(buyer, supplier, site, prod string, qty models.Decimal) string {
	id := fmt.Sprintf("PO-%s-%04d", p.clock.Format("2006"), p.next("po"))
	a := contract.CreatePurchaseOrderArgs{
		ID: id, Supplier: supplier, Site: site,
		Lines: []contract.OrderLine{{Line: 1, ProductID: prod, Quantity: qty}},
	}
	if d := dueDays[supplier]; d > 0 {
		a.DeliverBy = p.clock.AddDate(0, 0, d).Format(models.DateLayout)
	}
	p.emit(buyer, models.RoleOperator, "CreatePurchaseOrder", a)
	p.sum.PurchaseOrders++
	return id
}

// load is one batch and quantity to dispatch.
type load struct {
	b   *simBatch
	qty models.Decimal
	po  string // purchase order whose line 1 it fills, if any
}

// shipment is a planned dispatch: its code and the batches that travel.
type shipment struct {
	code   string
	from   string
	to     string
	site   string
	moving []*simBatch
}

// dispatch plans a shipment of loads from their holder to org to at site.
func (p *planner) dispatch(from, to, site string, loads []load) *shipment {
	sh := &shipment{code: fmt.Sprintf("SH-%s-%05d", p.clock.Format("0102"), p.next("sh")), from: from, to: to, site: site}
	a := contract.DispatchShipmentArgs{
		Code: sh.code, To: to, Site: site, Carrier: OrgCarrier,
		Vehicle:      p.plate(),
		DeliveryNote: fmt.Sprintf("DN%s%04d", p.clock.Format("060102"), p.next("dn")),
	}
	for _, l := range loads {
		dl := contract.DispatchLine{Batch: l.b.code, Quantity: l.qty}
		if l.po != "" {
			dl.POID, dl.POLine = l.po, 1
		}
		a.Lines = append(a.Lines, dl)
		held := l.b.status == models.StatusOnHold || l.b.status == models.StatusRejected
		moving := l.b
		if l.qty < l.b.remaining {
			moving = p.splitOff(l.b, l.qty)
		}
		moving.holder, moving.status, moving.site, moving.held = OrgCarrier, models.StatusInTransit, "", held
		sh.moving = append(sh.moving, moving)
	}
	p.emit(from, models.RoleOperator, "DispatchShipment", a)
	p.sum.Shipments++
	return sh
}

// plate returns a Zhejiang A (Hangzhou) registration plate.
func (p *planner) plate() string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	return fmt.Sprintf("浙A·%c%04d", letters[p.rng.IntN(len(letters))], p.rng.IntN(10000))
}

// receive plans the receipt of sh; rejected[i] > 0 rejects that much of
// line i for reason.
func (p *planner) receive(sh *shipment, rejected []models.Decimal, reason string) {
	a := contract.ReceiveShipmentArgs{Shipment: sh.code}
	for i, b := range sh.moving {
		var rej models.Decimal
		if i < len(rejected) && rejected[i]*2 <= b.remaining {
			rej = rejected[i] // never more than half a line: a part refused, not a load
		}
		rl := contract.ReceiptLine{Line: i + 1, Accepted: b.remaining - rej, Rejected: rej}
		if rej > 0 {
			rl.Reason = reason
			p.sum.Discrepancies++
			back := b
			if rl.Accepted > 0 {
				back = p.splitOff(b, rej)
			}
			back.holder, back.site, back.status = sh.from, "", models.StatusRejected
		}
		if rl.Accepted > 0 {
			b.holder, b.site, b.status = sh.to, sh.site, models.StatusAvailable
			if b.held {
				b.status = models.StatusOnHold // returned to its producer, still on hold
			}
		}
		a.Lines = append(a.Lines, rl)
	}
	p.emit(sh.to, models.RoleOperator, "ReceiveShipment", a)
}

// inspect plans an inspection of b by the agency and mirrors its verdict.
func (p *planner) inspect(b *simBatch, typ string, results []contract.InspectionResult, verdict models.Verdict, notes string, docs ...string) {
	p.emit(OrgInspection, models.RoleInspector, "RecordInspection", contract.RecordInspectionArgs{
		Batch: b.code, Type: typ, Results: results, Verdict: verdict, Notes: notes, Documents: docs,
	})
	p.sum.Inspections++
	switch verdict {
	case models.VerdictPass, models.VerdictConditional:
		b.usable = true
	case models.VerdictFail:
		b.usable = false
		p.sum.FailedInspections++
		if b.status == models.StatusAvailable {
			b.status = models.StatusOnHold
		}
	}
}

// release plans the release of a batch on hold.
func (p *planner) release(b *simBatch, reason string) {
	p.emit(OrgInspection, models.RoleInspector, "ReleaseHold", contract.ReleaseHoldArgs{Batch: b.code, Reason: reason})
	b.status, b.usable, b.held = models.StatusAvailable, true, false
	p.sum.Released++
}

// transform plans a split or mix by org of inputs into outputs.
func (p *planner) transform(org, kind string, inputs []load, outputs []contract.TransformOutput, yield *models.Decimal) []*simBatch {
	a := contract.TransformBatchesArgs{Kind: kind, Outputs: outputs, Yield: yield}
	usable, site := true, inputs[0].b.site
	for _, in := range inputs {
		a.Inputs = append(a.Inputs, models.BatchInput{Code: in.b.code, Quantity: in.qty})
		usable = usable && in.b.usable
		if in.b.site != site {
			site = ""
		}
	}
	var made []*simBatch
	for _, o := range outputs {
		u := !p.products[o.ProductID].InspectionRequired
		if kind != contract.TransformMix {
			u = usable
		}
		made = append(made, p.add(&simBatch{
			code: o.Code, product: o.ProductID, remaining: o.Quantity, holder: org, producer: org,
			site: site, status: models.StatusAvailable, usable: u,
		}))
	}
	for _, in := range inputs {
		for _, o := range outputs {
			in.b.children = append(in.b.children, o.Code)
		}
		take(in.b, in.qty)
	}
	p.emit(org, models.RoleOperator, "TransformBatches", a)
	p.sum.Transformations++
	return made
}

// use plans the contractor's usage of qty of b at loc.
func (p *planner) use(b *simBatch, qty models.Decimal, loc models.Location) {
	p.emit(OrgContractor, models.RoleOperator, "RecordUsage", contract.RecordUsageArgs{Batch: b.code, Quantity: qty, Location: loc})
	b.usageTx = append(b.usageTx, len(p.txs)-1)
	take(b, qty)
	b.usages++
	p.sum.Usages++
}

// attach plans the attachment of a document to b by org: a file rendered
// from what the ledger records (docFile), whose SHA-256 and size the entry
// carries and whose bytes Generate stores. sizeDraw is the random size the
// demo once recorded instead; it is still drawn (and ignored) so that the
// random source, and with it every later quantity and choice of the
// history, stays what it was.
func (p *planner) attach(org string, role models.Role, b *simBatch, kind models.DocumentKind, name, media string, sizeDraw int64, vis models.Visibility) {
	_ = sizeDraw
	d := docFile{kind: kind, name: name, media: media, batch: b.code, product: p.products[b.product],
		issuer: orgName(org), producer: orgName(b.producer), date: p.clock, seed: p.seed}
	sha, size := d.sha256()
	p.emit(org, role, "AttachDocument", contract.AttachDocumentArgs{Batch: b.code, Document: contract.DocumentArgs{
		SHA256: sha, Name: name, MediaType: media, Size: size, Kind: kind, Visibility: vis,
	}})
	p.docs[len(p.txs)-1] = d
	p.sum.Documents++
}

// recall plans the recall of b by its producer and marks it and every
// batch made from it recalled; it returns the batches it recalled.
func (p *planner) recall(b *simBatch, severity, reason string) []string {
	p.emit(b.producer, models.RoleAdmin, "RecallBatch", contract.RecallBatchArgs{Batch: b.code, Reason: reason, Severity: severity})
	seen := map[string]bool{}
	var affected []string
	var walk func(code string)
	walk = func(code string) {
		if seen[code] {
			return
		}
		seen[code] = true
		d := p.batches[code]
		if d.status != models.StatusRecalled {
			d.status = models.StatusRecalled
			affected = append(affected, d.code)
		}
		for _, c := range d.children {
			walk(c)
		}
	}
	walk(b.code)
	p.sum.Recalls++
	return affected
}

package demo

import (
	"time"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// wait moves the clock on by lo to hi minutes (a drive, a curing test).
func (p *planner) wait(lo, hi int) {
	p.clock = p.clock.Add(time.Duration(lo+p.rng.IntN(hi-lo+1)) * time.Minute)
}

// movable returns holder's available batches of product, oldest first,
// whether or not they have passed inspection (dispatch does not need it).
func (p *planner) movable(holder, product string) []*simBatch {
	var out []*simBatch
	for _, b := range p.stock {
		if b.product == product && b.holder == holder && b.status == models.StatusAvailable && b.remaining > 0 {
			out = append(out, b)
		}
	}
	return out
}

// pick takes up to qty from bs, oldest first, in at most max loads.
func pick(bs []*simBatch, qty models.Decimal, max int) []load {
	var ls []load
	for _, b := range bs {
		if qty <= 0 || len(ls) == max {
			break
		}
		q := min(qty, b.remaining)
		ls = append(ls, load{b: b, qty: q})
		qty -= q
	}
	return ls
}

// total is the quantity of loads.
func total(ls []load) models.Decimal {
	var t models.Decimal
	for _, l := range ls {
		t += l.qty
	}
	return t
}

// withPO sets the purchase order of loads.
func withPO(ls []load, po string) []load {
	for i := range ls {
		ls[i].po = po
	}
	return ls
}

// deliverCement ships cement from the plant to the ready-mix plant and
// schedules its 3-day and 28-day tests.
func (p *planner) deliverCement(s *story) {
	ls := withPO(pick(p.movable(OrgCement, ProdCement), p.between(110, 150, 1), 2), s.po["cement"])
	if len(ls) == 0 {
		return
	}
	sh := p.dispatch(OrgCement, OrgReadyMix, "", ls)
	p.wait(70, 150)
	var rej []models.Decimal
	if p.chance(8) {
		rej = []models.Decimal{p.between(1.5, 3.5, 1)}
	}
	p.receive(sh, rej, "bulk tanker seal broken on arrival; caked cement in the bottom hopper rejected")
	for _, b := range sh.moving {
		if b.holder != OrgReadyMix {
			continue
		}
		p.later(3, func() { p.cementEarlyTest(b) })
		p.later(28, func() { p.cement28dTest(s, b) })
	}
}

// deliverAggregate ships crushed stone and sand from the quarry.
func (p *planner) deliverAggregate(s *story) {
	stone := withPO(pick(p.movable(OrgQuarry, ProdAggregate), p.between(280, 340, 1), 2), s.po["stone"])
	sand := withPO(pick(p.movable(OrgQuarry, ProdSand), p.between(200, 250, 1), 2), s.po["sand"])
	ls := append(stone, sand...)
	if len(ls) == 0 {
		return
	}
	sh := p.dispatch(OrgQuarry, OrgReadyMix, "", ls)
	p.wait(50, 110)
	var rej []models.Decimal
	if len(stone) > 0 && p.chance(6) {
		rej = []models.Decimal{p.between(8, 15, 1)}
	}
	p.receive(sh, rej, "visible clay lumps in the load; excess mud content, part of the load refused")
}

// deliverRebar ships bars (and coil) from the mill to a site and
// schedules the incoming mill test.
func (p *planner) deliverRebar(s *story, site string, coil bool) {
	want := p.between(20, 30, 1)
	if site == SiteMetro {
		want = p.between(15, 25, 1)
	}
	ls := withPO(pick(p.movable(OrgSteel, ProdRebarBar), want, 2), s.po["bar-"+site])
	if coil {
		ls = append(ls, withPO(pick(p.movable(OrgSteel, ProdRebarCoil), p.between(12, 20, 1), 1), s.po["coil-"+site])...)
	}
	if len(ls) == 0 {
		return
	}
	sh := p.dispatch(OrgSteel, OrgContractor, site, ls)
	p.wait(120, 240)
	var rej []models.Decimal
	if p.chance(10) {
		rej = []models.Decimal{p.between(0.4, 1.2, 2)}
	}
	p.receive(sh, rej, "two bundles without heat tags and with rust pitting; returned to the mill")
	for _, b := range sh.moving {
		if b.holder == OrgContractor {
			p.later(1, func() { p.rebarTest(b) })
		}
	}
}

// deliverGlass ships tempered glass to the tower, commissioning more when
// the plant runs low, and schedules the incoming inspection.
func (p *planner) deliverGlass(s *story) {
	if total(pick(p.movable(OrgGlass, ProdGlass), 1_000_000_000, 100)) < models.DecimalFromInt(450) {
		code := "QG-" + p.clock.Format("060102")
		b := p.commission(OrgGlass, ProdGlass, code, p.between(900, 1400, 0), func(a *contract.CommissionBatchArgs) {
			a.LotNumber = code[3:]
			a.Origin = "Xiaoshan tempering line 1"
		})
		p.attach(OrgGlass, models.RoleOperator, b, models.DocCertificate, "3c-certificate-"+code+".pdf", "application/pdf", 150_000+int64(p.rng.IntN(50_000)), models.Public)
	}
	ls := withPO(pick(p.movable(OrgGlass, ProdGlass), p.between(250, 400, 0), 1), s.po["glass"])
	if len(ls) == 0 {
		return
	}
	sh := p.dispatch(OrgGlass, OrgContractor, SiteTower, ls)
	p.wait(60, 120)
	var rej []models.Decimal
	if p.chance(5) {
		rej = []models.Decimal{p.between(6, 12, 1)}
	}
	p.receive(sh, rej, "corner chips on three panes found when unloading the A-frame")
	for _, b := range sh.moving {
		if b.holder == OrgContractor {
			p.later(1, func() { p.glassTest(b) })
		}
	}
}

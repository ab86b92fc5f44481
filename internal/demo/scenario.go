package demo

import (
	"fmt"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// standardWeeks is the length of the standard demo's history.
const standardWeeks = 16

// recallWeek is the week whose first cement lot fails its 28-day test and
// is recalled.
const recallWeek = 1

// story is the project's state beyond batches: orders, progress, the recall.
type story struct {
	po         map[string]string // relationship → current purchase order
	tower      int               // pours done on the tower (two per floor)
	metro      int               // pours done on the metro station
	glassFloor int               // floors glazed
	recallLot  string            // the cement lot that will fail at 28 days
	recalled   bool
	typo       *simBatch // the bar heat recorded with a mistyped heat number
}

// plan builds the whole demo: setup, then day after day until the standard
// weeks (events == 0) or at least events transactions have been planned.
func (p *planner) plan(events int) {
	p.sum.Types = map[string]int{}
	s := &story{po: map[string]string{}}
	p.setup()
	for d := 0; ; d++ {
		if events == 0 && d == 7*standardWeeks || events > 0 && len(p.txs) >= events && d%7 == 0 {
			break
		}
		p.startDay(d)
		p.runAgenda()
		p.dayOf(s, d/7, d%7)
		if d%7 == 6 {
			p.prune()
		}
	}
	p.sum.Days = p.day + 1
}

// setup registers the consortium and its catalogue.
func (p *planner) setup() {
	for i, o := range Organizations() {
		by := OrgBureau
		if i == 0 {
			by = o.ID
		}
		if p.noLocalNames {
			o.Names, o.SiteNames = nil, nil
		}
		p.emit(by, models.RoleAdmin, "RegisterOrganization", contract.RegisterOrganizationArgs{Organization: o})
		p.sum.Organizations++
	}
	for _, pr := range Products() {
		if p.noLocalNames {
			pr.Names = nil
		}
		p.emit(pr.Manufacturer, models.RoleOperator, "RegisterProduct", contract.RegisterProductArgs{Product: pr})
		p.sum.Products++
	}
}

// dayOf plans one day of week w (wd 0 = Monday).
func (p *planner) dayOf(s *story, w, wd int) {
	if wd == 0 && w%4 == 0 {
		p.monthlyOrders(s)
	}
	switch wd {
	case 0:
		lot := p.cementLot()
		if w == recallWeek {
			s.recallLot = lot.code
		}
		p.quarryLots()
		p.deliverCement(s)
		p.deliverAggregate(s)
	case 1:
		p.steelHeats(w, s)
		p.pour(s, true)
	case 2:
		p.deliverRebar(s, SiteTower, w%2 == 0)
		p.deliverRebar(s, SiteMetro, false)
		if w >= 5 {
			p.deliverGlass(s)
		}
		p.useRebar(s, true)
	case 3:
		p.deliverCement(s)
		p.deliverAggregate(s)
		p.pour(s, false)
		p.cutCoil()
	case 4:
		p.pour(s, true)
		p.useRebar(s, false)
		p.installGlass(s)
	case 5:
		p.pour(s, false)
		p.useRebar(s, true)
	case 6:
		if w%2 == 1 {
			p.sampleAggregate()
		}
	}
	if w == 1 && wd == 2 {
		p.correctHeat(s)
	}
}

// monthlyOrders places the month's purchase orders, sized to what the
// month will take (some end fulfilled, some over-delivered, some open).
func (p *planner) monthlyOrders(s *story) {
	s.po["cement"] = p.order(OrgReadyMix, OrgCement, "", ProdCement, p.between(980, 1150, 0))
	s.po["stone"] = p.order(OrgReadyMix, OrgQuarry, "", ProdAggregate, p.between(2300, 2700, 0))
	s.po["sand"] = p.order(OrgReadyMix, OrgQuarry, "", ProdSand, p.between(1600, 2000, 0))
	s.po["c30-"+SiteTower] = p.order(OrgContractor, OrgReadyMix, SiteTower, ProdConcreteC30, p.between(500, 600, 0))
	s.po["c40-"+SiteTower] = p.order(OrgContractor, OrgReadyMix, SiteTower, ProdConcreteC40, p.between(200, 260, 0))
	s.po["c40-"+SiteMetro] = p.order(OrgContractor, OrgReadyMix, SiteMetro, ProdConcreteC40, p.between(1300, 1600, 0))
	s.po["bar-"+SiteTower] = p.order(OrgContractor, OrgSteel, SiteTower, ProdRebarBar, p.between(90, 110, 0))
	s.po["bar-"+SiteMetro] = p.order(OrgContractor, OrgSteel, SiteMetro, ProdRebarBar, p.between(70, 90, 0))
	s.po["coil-"+SiteTower] = p.order(OrgContractor, OrgSteel, SiteTower, ProdRebarCoil, p.between(30, 36, 0))
	s.po["glass"] = p.order(OrgContractor, OrgGlass, SiteTower, ProdGlass, p.between(1200, 1400, 0))
}

// cementLot commissions a lot of bulk cement with its certificate.
func (p *planner) cementLot() *simBatch {
	code := fmt.Sprintf("FC-%s-%02d", p.clock.Format("060102"), p.next("cement"))
	b := p.commission(OrgCement, ProdCement, code, p.between(250, 320, 0), func(a *contract.CommissionBatchArgs) {
		a.LotNumber = code[3:]
		a.Origin = "Kiln line 2, Fuyang plant"
	})
	b.lot = b.code
	p.attach(OrgCement, models.RoleOperator, b, models.DocCertificate, "cement-quality-certificate-"+code+".pdf", "application/pdf", 180_000+int64(p.rng.IntN(60_000)), models.Public)
	return b
}

// quarryLots commissions the week's crushed stone and sand.
func (p *planner) quarryLots() {
	n := p.next("quarry")
	p.commission(OrgQuarry, ProdAggregate, fmt.Sprintf("TQ-G-%04d", n), p.between(600, 700, 0), func(a *contract.CommissionBatchArgs) {
		a.Origin = "Fenshui pit, bench 3"
	})
	p.commission(OrgQuarry, ProdSand, fmt.Sprintf("TQ-S-%04d", n), p.between(430, 500, 0), func(a *contract.CommissionBatchArgs) {
		a.Origin = "Fenshui sand plant"
	})
}

// steelHeats commissions a heat of coil and one of bars with mill
// certificates. Week 1's bar heat is recorded with a typo, corrected later.
func (p *planner) steelHeats(w int, s *story) {
	for _, pr := range []string{ProdRebarCoil, ProdRebarBar} {
		heat := fmt.Sprintf("J26%s%03d", p.clock.Format("01"), p.next("heat"))
		if pr == ProdRebarCoil && w%2 == 1 {
			continue // a coil heat every other week is enough
		}
		qty := p.between(35, 45, 0)
		if pr == ProdRebarBar {
			qty = p.between(45, 60, 0)
		}
		typo := w == 1 && pr == ProdRebarBar
		b := p.commission(OrgSteel, pr, "JS-"+heat, qty, func(a *contract.CommissionBatchArgs) {
			a.HeatNumber = heat
			if typo {
				a.HeatNumber = "J62" + heat[3:]
			}
			a.Origin = "Changxing works, rolling mill 3"
		})
		if typo {
			s.typo = b
		}
		p.attach(OrgSteel, models.RoleOperator, b, models.DocMillTest, "mill-test-certificate-"+heat+".pdf", "application/pdf", 240_000+int64(p.rng.IntN(80_000)), models.Public)
	}
}

// correctHeat corrects the heat number mistyped on week 1's bar heat.
func (p *planner) correctHeat(s *story) {
	if s.typo == nil {
		return
	}
	p.emit(OrgSteel, models.RoleOperator, "CorrectEntry", contract.CorrectEntryArgs{
		TargetKind: contract.TargetBatch, TargetID: s.typo.code, Field: "heat_number", Value: s.typo.code[3:],
		Reason: "heat number mistyped on the commissioning record; the mill test certificate is right",
	})
	p.sum.Corrections++
}

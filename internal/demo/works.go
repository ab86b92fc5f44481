package demo

import (
	"fmt"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// towerLevels is one tower's levels, bottom to top.
var towerLevels = func() []string {
	ls := []string{"B2", "B1"}
	for f := 1; f <= 30; f++ {
		ls = append(ls, fmt.Sprintf("F%d", f))
	}
	return append(ls, "roof")
}()

// towerLevel returns the building and level of the n-th level poured: the
// residence has one tower after another (Tower A, B, …) in long histories.
func towerLevel(n int) (building, level string) {
	b := n / len(towerLevels)
	building = fmt.Sprintf("Tower %c", 'A'+rune(b%26))
	if b >= 26 {
		building = fmt.Sprintf("Tower %d", b+1)
	}
	return building, towerLevels[n%len(towerLevels)]
}

// metroElements is the cycle of the station's pours, bay by bay.
var metroElements = []struct{ floor, element string }{
	{"B2 platform level", "base slab"},
	{"B2 platform level", "side walls"},
	{"B1 concourse", "columns Z1-Z8"},
	{"B1 concourse", "concourse slab"},
	{"roof", "roof slab"},
}

// mixDesign is one cubic metre of a concrete grade, in tonnes.
type mixDesign struct{ cement, sand, stone models.Decimal }

var mixes = map[string]mixDesign{
	ProdConcreteC30: {models.MustDecimal("0.36"), models.MustDecimal("0.78"), models.MustDecimal("1.05")},
	ProdConcreteC40: {models.MustDecimal("0.44"), models.MustDecimal("0.7"), models.MustDecimal("1.08")},
}

// pour plans a concrete pour: the ready-mix plant mixes cement, sand and
// stone that passed their hold points, ships the concrete to site in
// partial dispatches, the slump is checked on arrival and it is placed.
// It does nothing when the plant lacks usable material.
func (p *planner) pour(s *story, tower bool) {
	var prod, site string
	var vol models.Decimal
	var locs []models.Location
	if tower {
		building, level := towerLevel(s.tower / 2)
		site = SiteTower
		if s.tower%2 == 0 {
			prod, vol = ProdConcreteC40, p.between(45, 70, 1)
			locs = []models.Location{
				{Project: ProjectTower, Building: building, Floor: level, Element: "columns KZ1-KZ24"},
				{Project: ProjectTower, Building: building, Floor: level, Element: "core wall"},
			}
		} else {
			prod, vol = ProdConcreteC30, p.between(110, 160, 1)
			locs = []models.Location{{Project: ProjectTower, Building: building, Floor: level, Element: "slab and beams"}}
		}
	} else {
		e := metroElements[s.metro%len(metroElements)]
		site, prod, vol = SiteMetro, ProdConcreteC40, p.between(120, 240, 1)
		locs = []models.Location{{Project: ProjectMetro, Building: "station box", Floor: e.floor,
			Element: fmt.Sprintf("%s, bay %d", e.element, s.metro/len(metroElements)+1)}}
	}
	m := mixes[prod]
	need := func(per models.Decimal) models.Decimal { return vol * per / models.DecimalScale }
	var inputs []load
	for _, in := range []struct {
		prod string
		qty  models.Decimal
	}{{ProdCement, need(m.cement)}, {ProdSand, need(m.sand)}, {ProdAggregate, need(m.stone)}} {
		ls := pick(p.find(OrgReadyMix, "", in.prod), in.qty, 4)
		if total(ls) < in.qty {
			return
		}
		inputs = append(inputs, ls...)
	}
	code := fmt.Sprintf("XR-%s-%02d", p.clock.Format("060102"), p.next("mix-"+p.clock.Format("060102")))
	made := p.transform(OrgReadyMix, contract.TransformMix, inputs, []contract.TransformOutput{{
		Code: code, ProductID: prod, Quantity: vol, ProducedOn: p.date(), LotNumber: code[3:],
	}}, &vol)
	pourNo := -1
	if tower {
		pourNo = s.tower
		s.tower++
	} else {
		s.metro++
	}
	batch := made[0]
	trucks := 2 + p.rng.IntN(2)
	for i := range trucks {
		qty := batch.remaining
		if i < trucks-1 {
			qty = vol / models.Decimal(trucks) / models.DecimalScale * models.DecimalScale
		}
		p.deliverConcrete(s, batch, qty, site, locs[i%len(locs)])
	}
	p.later(28, func() {
		grade := models.DecimalFromInt(30)
		if prod == ProdConcreteC40 {
			grade = models.DecimalFromInt(40)
		}
		if pourNo == openCasePour || pourNo == closedCasePour {
			p.failedCubes(batch, grade, pourNo)
			return
		}
		p.inspect(batch, "strength_28d", []contract.InspectionResult{
			result("compressive_strength_28d", grade*p.between(1.12, 1.32, 2)/models.DecimalScale),
		}, models.VerdictPass, "150 mm cubes, standard curing, 3 specimens")
	})
}

// deliverConcrete ships one convoy of a pour, checks its slump on arrival
// and places it.
func (p *planner) deliverConcrete(s *story, batch *simBatch, qty models.Decimal, site string, loc models.Location) {
	po := s.po[batch.product[:3]+"-"+site] // c30-tower-a, c40-metro-xixing, …
	sh := p.dispatch(OrgReadyMix, OrgContractor, site, []load{{b: batch, qty: qty, po: po}})
	p.wait(35, 70)
	var rej []models.Decimal
	if p.chance(3) {
		rej = []models.Decimal{p.between(2, 4, 1)}
	}
	p.receive(sh, rej, "slump loss beyond 210 mm after a traffic delay; truck returned to the plant")
	b := sh.moving[0]
	if b.holder != OrgContractor {
		return
	}
	p.inspect(b, "incoming", []contract.InspectionResult{result("slump", p.between(165, 200, 0))}, models.VerdictPass, "")
	p.use(b, b.remaining, loc)
}

package demo

import (
	"fmt"
	"strings"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// useFrom records usages of up to want from bs (oldest first) at loc.
func (p *planner) useFrom(bs []*simBatch, want models.Decimal, loc models.Location) {
	for _, l := range pick(bs, want, 2) {
		p.use(l.b, l.qty, loc)
	}
}

// cutBars returns the tower's usable cut-bar bundles, or its usable coils
// when cut is false.
func (p *planner) coilStock(cut bool) []*simBatch {
	var out []*simBatch
	for _, b := range p.find(OrgContractor, SiteTower, ProdRebarCoil) {
		if strings.HasPrefix(b.code, "CB-") == cut {
			out = append(out, b)
		}
	}
	return out
}

// useRebar fixes reinforcement for the next pour: at the tower, bars in the
// columns and core wall and cut bars in the slab; at the station, bars.
func (p *planner) useRebar(s *story, tower bool) {
	if !tower {
		e := metroElements[s.metro%len(metroElements)]
		loc := models.Location{Project: ProjectMetro, Building: "station box", Floor: e.floor,
			Element: fmt.Sprintf("%s, bay %d", e.element, s.metro/len(metroElements)+1)}
		p.useFrom(p.find(OrgContractor, SiteMetro, ProdRebarBar), p.between(6, 12, 2), loc)
		return
	}
	building, level := towerLevel(s.tower / 2)
	loc := models.Location{Project: ProjectTower, Building: building, Floor: level}
	loc.Element = "columns KZ1-KZ24"
	p.useFrom(p.find(OrgContractor, SiteTower, ProdRebarBar), p.between(3, 6, 2), loc)
	loc.Element = "core wall"
	p.useFrom(p.find(OrgContractor, SiteTower, ProdRebarBar), p.between(2, 4, 2), loc)
	loc.Element = "slab and beams"
	p.useFrom(p.coilStock(true), p.between(2, 4, 2), loc)
}

// cutCoil straightens and cuts a coil at the tower's bar yard into three
// bundles of cut bars (a split: same product, same heat, same inspection).
func (p *planner) cutCoil() {
	coils := p.coilStock(false)
	if len(coils) == 0 {
		return
	}
	c := coils[0]
	qty := min(c.remaining, p.between(7, 10, 1))
	part := qty / 3 / 10 * 10 // two decimals are enough for a bundle
	var outs []contract.TransformOutput
	for i := range 3 {
		q := part
		if i == 2 {
			q = qty - 2*part
		}
		outs = append(outs, contract.TransformOutput{
			Code:      fmt.Sprintf("CB-%s-%02d", p.clock.Format("060102"), p.next("cut")),
			ProductID: ProdRebarCoil, Quantity: q, ProducedOn: p.date(),
			Origin: "bar yard, tower-a: straightened and cut to 6 m",
		})
	}
	p.transform(OrgContractor, contract.TransformSplit, []load{{b: c, qty: qty}}, outs, nil)
}

// installGlass glazes the next floor, six floors below the structure.
func (p *planner) installGlass(s *story) {
	if s.glassFloor+6 >= s.tower/2 {
		return
	}
	building, level := towerLevel(s.glassFloor)
	if strings.HasPrefix(level, "B") {
		s.glassFloor++
		return
	}
	bs := p.find(OrgContractor, SiteTower, ProdGlass)
	if total(pick(bs, 1_000_000_000, 10)) == 0 {
		return
	}
	loc := models.Location{Project: ProjectTower, Building: building, Floor: level, Element: "curtain wall, east and south elevations"}
	p.useFrom(bs, p.between(70, 110, 1), loc)
	s.glassFloor++
}

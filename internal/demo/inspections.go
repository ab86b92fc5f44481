package demo

import (
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

func result(prop string, v models.Decimal) contract.InspectionResult {
	return contract.InspectionResult{Property: prop, Value: v}
}

// cementEarlyTest records the 3-day strength and setting times of a cement
// delivery, the hold point before it may be mixed.
func (p *planner) cementEarlyTest(b *simBatch) {
	p.inspect(b, "sampling", []contract.InspectionResult{
		result("compressive_strength_3d", p.between(21, 28.5, 1)),
		result("flexural_strength_3d", p.between(4.2, 5.6, 1)),
		result("initial_setting_time", p.between(150, 220, 0)),
		result("final_setting_time", p.between(210, 300, 0)),
		result("so3_content", p.between(2.2, 3.1, 2)),
	}, models.VerdictPass, "GB/T 17671 mortar bars, sampled on delivery")
}

// cement28dTest records the 28-day strength of a cement delivery. The
// recall lot fails, and its producer recalls it with everything made from it.
func (p *planner) cement28dTest(s *story, b *simBatch) {
	if b.lot != s.recallLot {
		p.inspect(b, "strength_28d", []contract.InspectionResult{
			result("compressive_strength_28d", p.between(45.5, 53, 1)),
			result("flexural_strength_28d", p.between(7, 8.6, 1)),
		}, models.VerdictPass, "")
		return
	}
	strength := p.between(38.6, 40.9, 1)
	p.inspect(b, "strength_28d", []contract.InspectionResult{
		result("compressive_strength_28d", strength),
		result("flexural_strength_28d", p.between(6.6, 7.1, 1)),
	}, models.VerdictFail, "28-day mortar strength below grade 42.5; retained sample confirms")
	p.attach(OrgInspection, models.RoleInspector, b, models.DocTestReport, "test-report-28d-"+b.code+".pdf", "application/pdf", 95_000+int64(p.rng.IntN(20_000)), models.Private)
	if s.recalled {
		return
	}
	s.recalled = true
	lot := p.batches[b.lot]
	affected := p.recall(lot, contract.SeverityHigh,
		"28-day compressive strength "+strength.String()+" MPa is below the 42.5 MPa GB 175-2023 requires of P·O 42.5; lot withdrawn, structures cast with it to be assessed")
	p.sum.RecallBatch = lot.code
	p.sum.RecalledBatches = len(affected)
	for _, code := range affected {
		p.sum.RecalledUsages += p.batches[code].usages
	}
}

// rebarTest records the incoming mechanical test of a rebar delivery; a
// failure puts it on hold until a retest on double samples.
func (p *planner) rebarTest(b *simBatch) {
	fail := p.chance(9)
	p.inspect(b, "mill_test", p.rebarResults(fail), verdict(fail), failNote(fail, "elongation below the GB/T 1499.2 minimum"))
	if fail {
		p.attach(OrgInspection, models.RoleInspector, b, models.DocTestReport, "tensile-test-"+b.code+".pdf", "application/pdf", 70_000+int64(p.rng.IntN(20_000)), models.Private)
		p.later(2, func() { p.retest(b, "retest", p.rebarResults) })
	}
}

// rebarResults draws consistent HRB400E tensile results.
func (p *planner) rebarResults(fail bool) []contract.InspectionResult {
	y := p.between(430, 485, 0)
	ratio := p.between(1.27, 1.36, 2)
	tensile := y * ratio / models.DecimalScale
	elong, agt := p.between(19, 26, 1), p.between(10.5, 14, 1)
	if fail {
		elong, agt = p.between(13.5, 15.5, 1), p.between(7.6, 8.8, 1)
	}
	return []contract.InspectionResult{
		result("yield_strength", y),
		result("tensile_strength", tensile),
		result("elongation_after_fracture", elong),
		result("total_elongation_max_force", agt),
		result("tensile_yield_ratio", ratio),
		result("yield_ratio_to_nominal", y*models.DecimalScale/models.DecimalFromInt(400)),
	}
}

// glassTest records the incoming fragmentation and surface stress test of
// a glass delivery.
func (p *planner) glassTest(b *simBatch) {
	fail := p.chance(10)
	p.inspect(b, "incoming", p.glassResults(fail), verdict(fail), failNote(fail, "fragmentation count below 40 in the 50 mm square"))
	if fail {
		p.attach(OrgInspection, models.RoleInspector, b, models.DocPhoto, "fragmentation-"+b.code+".jpg", "image/jpeg", 2_400_000+int64(p.rng.IntN(900_000)), models.Private)
		p.later(3, func() { p.retest(b, "resampling", p.glassResults) })
	}
}

func (p *planner) glassResults(fail bool) []contract.InspectionResult {
	frag := p.between(45, 80, 0)
	if fail {
		frag = p.between(31, 38, 0)
	}
	return []contract.InspectionResult{
		result("fragment_count_50mm", frag),
		result("surface_stress", p.between(95, 130, 0)),
		result("bow_deflection", p.between(0.05, 0.2, 2)),
	}
}

// retest records a retest of a batch on hold: most pass and are released;
// the rest fail again and stay on hold, to go back to their producer.
func (p *planner) retest(b *simBatch, typ string, results func(fail bool) []contract.InspectionResult) {
	if b.status != models.StatusOnHold {
		return
	}
	if p.chance(70) {
		p.inspect(b, typ, results(false), models.VerdictPass, "double samples taken from the held batch all conform")
		p.release(b, "retest on double samples conforms; hold released after review with the supervising engineer")
		return
	}
	p.inspect(b, typ, results(true), models.VerdictFail, "retest on double samples fails too; batch rejected and quarantined for return")
	p.sum.Rejected++
	p.later(1, func() { p.returnToProducer(b) })
}

// returnToProducer ships a batch still on hold at the contractor's site back
// to its producer, which receives it on hold (the contract allows a held
// batch to travel only that way).
func (p *planner) returnToProducer(b *simBatch) {
	if b.status != models.StatusOnHold || b.holder != OrgContractor || b.remaining == 0 {
		return
	}
	sh := p.dispatch(OrgContractor, b.producer, "", []load{{b: b, qty: b.remaining}})
	p.wait(90, 200)
	p.receive(sh, nil, "")
	p.sum.Returned++
}

// sampleAggregate records a routine sampling test of crushed stone at the
// ready-mix plant (aggregate has no hold point).
func (p *planner) sampleAggregate() {
	bs := p.find(OrgReadyMix, "", ProdAggregate)
	if len(bs) == 0 {
		return
	}
	p.inspect(bs[0], "sampling", []contract.InspectionResult{
		result("crushing_value", p.between(8, 14, 1)),
		result("mud_content", p.between(0.3, 0.8, 1)),
		result("flaky_particles", p.between(4, 8, 1)),
	}, models.VerdictPass, "")
}

func verdict(fail bool) models.Verdict {
	if fail {
		return models.VerdictFail
	}
	return models.VerdictPass
}

func failNote(fail bool, note string) string {
	if fail {
		return note
	}
	return ""
}

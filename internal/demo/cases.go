package demo

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// The tower pours whose 28-day cubes fail (counted from 0, two per week):
// each opens a non-conformance on the concrete already placed. The first
// case is acknowledged and partly dispositioned, so it stays open; the
// second is dispositioned in full, one element accepted as is on the
// strength of drilled cores, and closes.
const (
	openCasePour   = 5
	closedCasePour = 9
)

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("demo: encode args: %v", err))
	}
	return b
}

// emitRef plans a transaction whose arguments name earlier transactions by
// ID; build gets the ID of the transaction at a plan position.
func (p *planner) emitRef(org string, role models.Role, typ string, build func(id func(int) string) any) int {
	p.emit(org, role, typ, build(PlanTxID))
	i := len(p.txs) - 1
	p.refs[i] = build
	return i
}

// failedCubes plans the failing 28-day cube result of the tower pour n's
// batch, the case the inspection agency opens from it, and the steps the
// affected organizations take.
func (p *planner) failedCubes(batch *simBatch, grade models.Decimal, n int) {
	strength := grade * p.between(0.8, 0.88, 2) / models.DecimalScale
	p.inspect(batch, "strength_28d", []contract.InspectionResult{result("compressive_strength_28d", strength)},
		models.VerdictFail, "150 mm cubes, standard curing, 3 specimens: mean "+strength.String()+" MPa below the grade")
	insp := len(p.txs) - 1
	// The batch and the truckloads split off it, and where each was placed.
	var usages []int
	orgs := map[string]bool{}
	var walk func(b *simBatch)
	walk = func(b *simBatch) {
		usages = append(usages, b.usageTx...)
		if len(b.usageTx) > 0 {
			orgs[OrgContractor] = true
		}
		if b.remaining > 0 {
			orgs[b.holder] = true
		}
		for _, c := range b.children {
			walk(p.batches[c])
		}
	}
	walk(batch)
	if len(usages) == 0 {
		return
	}
	sort.Ints(usages)
	target := p.clock.AddDate(0, 0, 21).Format(models.DateLayout)
	open := p.emitRef(OrgInspection, models.RoleInspector, "OpenCase", func(id func(int) string) any {
		a := contract.OpenCaseArgs{Kind: models.CaseNonConformance, Batch: batch.code, Severity: contract.SeverityHigh,
			Reason:     "28-day cube strength " + strength.String() + " MPa is below grade C" + grade.String() + "; assess every element cast from this batch",
			TargetDate: target, SourceInspection: id(insp)}
		for _, u := range usages {
			a.Usages = append(a.Usages, id(u))
		}
		return a
	})
	p.sum.Cases++
	closed := n == closedCasePour
	p.later(1, func() {
		names := make([]string, 0, len(orgs))
		for o := range orgs {
			names = append(names, o)
		}
		sort.Strings(names)
		for _, o := range names {
			p.emitRef(o, models.RoleOperator, "AcknowledgeCase", func(id func(int) string) any {
				return contract.AcknowledgeCaseArgs{Case: id(open), Note: "received; elements cast from this batch marked on the drawings"}
			})
		}
	})
	p.later(3, func() {
		todo := usages
		if !closed {
			todo = usages[:1]
		}
		p.emitRef(OrgContractor, models.RoleOperator, "RecordDisposition", func(id func(int) string) any {
			a := contract.RecordDispositionArgs{Case: id(open)}
			for i, u := range todo {
				d := contract.UsageDisposition{Usage: id(u), Disposition: models.DispositionRework,
					Justification: "carbon-fibre wrap to the designer's detail"}
				if i == 0 && closed {
					d = contract.UsageDisposition{Usage: id(u), Disposition: models.DispositionAcceptAsIs,
						Justification: "three drilled cores average " + (grade * 108 / 100).String() + " MPa; designer confirms capacity"}
				} else if i == 0 {
					d = contract.UsageDisposition{Usage: id(u), Disposition: models.DispositionReplace}
				}
				a.Items = append(a.Items, d)
			}
			return a
		})
		if closed {
			p.sum.ClosedCases++
		}
	})
}

package server

import (
	"context"
	"net/http"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// BenchmarkCaseAPI measures reading a case (GET /api/v1/cases/{id}: case,
// progress, impact with locations, steps with their ledger entries) and
// the open-cases list the dashboards use, on the demo data.
func BenchmarkCaseAPI(b *testing.B) {
	f := newFixture(b, true)
	tok := f.token(b, user(demo.OrgContractor, models.RoleOperator))
	p, err := f.store.Cases(context.Background(), store.CaseFilter{Status: models.CaseOpen})
	if err != nil || len(p.Items) == 0 {
		b.Fatalf("no open case in the demo: %v", err)
	}
	id := p.Items[0].ID
	b.Run("GET case", func(b *testing.B) {
		for b.Loop() {
			if code := f.call(b, tok, "GET", "/api/v1/cases/"+id, nil, nil); code != http.StatusOK {
				b.Fatal(code)
			}
		}
	})
	b.Run("OpenCases store", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.store.OpenCases(context.Background(), "", 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

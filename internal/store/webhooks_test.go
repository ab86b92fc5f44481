package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
)

// TestDueWebhooksSkipsInactiveBeforeTheLimit: deliveries waiting for an
// endpoint its organization deactivated must not fill the worker's page,
// or one organization could stop every other organization's webhooks.
func TestDueWebhooksSkipsInactiveBeforeTheLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		ctx, st := openStore(t, dialect)
		t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		for _, e := range []Endpoint{
			{ID: "ep-quiet", Org: "quietco", URL: "https://quiet.example/hook", Secret: "s", CreatedAt: t0},
			{ID: "ep-live", Org: "liveco", URL: "https://live.example/hook", Secret: "s", CreatedAt: t0},
		} {
			if err := st.Ops().AddEndpoint(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Ops().SetEndpointActive(ctx, "quietco", "ep-quiet", false); err != nil {
			t.Fatal(err)
		}
		// 25 older deliveries to the deactivated endpoint, then one to
		// the live one, all due.
		var notes []notificationRow
		for i := range 26 {
			org := "quietco"
			if i == 25 {
				org = "liveco"
			}
			notes = append(notes, notificationRow{Seq: uint64(i + 1), TxID: fmt.Sprintf("tx%02d", i), OrgID: org, Kind: NoteCaseOpened,
				CaseID: "c1", Batch: "B1", At: t0.Add(time.Duration(i) * time.Minute)})
		}
		if err := st.db.Create(&notes).Error; err != nil {
			t.Fatal(err)
		}
		var ds []deliveryRow
		for _, n := range notes {
			ep := "ep-quiet"
			if n.OrgID == "liveco" {
				ep = "ep-live"
			}
			ds = append(ds, deliveryRow{NotificationID: n.ID, EndpointID: ep, OrgID: n.OrgID, Event: n.Kind,
				Status: DeliveryPending, NextAt: n.At, CreatedAt: n.At})
		}
		if err := st.db.Create(&ds).Error; err != nil {
			t.Fatal(err)
		}
		due, err := st.Ops().DueWebhooks(ctx, t0.Add(time.Hour), 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 1 || due[0].Endpoint.ID != "ep-live" {
			t.Fatalf("due = %d deliveries %+v, want only the live endpoint's", len(due), due)
		}
		// Reactivated, its deliveries are due again, oldest first.
		if err := st.Ops().SetEndpointActive(ctx, "quietco", "ep-quiet", true); err != nil {
			t.Fatal(err)
		}
		due, err = st.Ops().DueWebhooks(ctx, t0.Add(time.Hour), 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 20 || due[0].Endpoint.ID != "ep-quiet" {
			t.Fatalf("after reactivation: %d due, first %+v", len(due), due[0].Endpoint)
		}
	})
}

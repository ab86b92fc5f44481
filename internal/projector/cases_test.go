package projector

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

func newCaseEnv(t *testing.T, dialect string) *env {
	e := newEnv(t, dialect)
	e.c = caseChain(t)
	return e
}

// caseIDs returns the IDs of the closed CON-1 case and the open BAR-1 case.
func caseIDs(t *testing.T, c *chain) (closed, open string) {
	t.Helper()
	_ = c.st.Range(models.PrefixCase, func(k string, v []byte) error {
		var x models.Case
		if err := json.Unmarshal(v, &x); err != nil {
			t.Fatal(err)
		}
		if x.Status == models.CaseClosed {
			closed = x.ID
		} else {
			open = x.ID
		}
		return nil
	})
	if closed == "" || open == "" {
		t.Fatalf("fixture cases: closed %q open %q", closed, open)
	}
	return closed, open
}

func TestCasesReadModel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newCaseEnv(t, dialect)
		e.project(e.c.events)
		if err := e.check(); err != nil {
			t.Fatalf("Check: %v", err)
		}
		closed, open := caseIDs(t, e.c)
		for _, id := range []string{closed, open} {
			raw, _ := e.c.st.Get(models.Key(models.PrefixCase, id))
			var want models.Case
			_ = json.Unmarshal(raw, &want)
			got, err := e.st.Case(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := mustJSON(t, want), mustJSON(t, got); a != b {
				t.Errorf("Case(%s)\n got %s\nwant %s", id, b, a)
			}
		}
		list := func(f store.CaseFilter) string {
			t.Helper()
			p, err := e.st.Cases(e.ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, c := range p.Items {
				s = append(s, fmt.Sprintf("%s:%s:%d/%d:%d/%d", c.BatchCode, c.Status, c.AckedOrgs, c.Orgs, c.Dispositioned, c.Usages))
			}
			return strings.Join(s, " ")
		}
		for _, c := range []struct {
			f    store.CaseFilter
			want string
		}{
			{store.CaseFilter{}, "BAR-1:open:0/1:0/0 CON-1:closed:2/2:1/1"},
			{store.CaseFilter{Status: models.CaseOpen}, "BAR-1:open:0/1:0/0"},
			{store.CaseFilter{Status: models.CaseClosed}, "CON-1:closed:2/2:1/1"},
			{store.CaseFilter{Affecting: buildco}, "BAR-1:open:0/1:0/0 CON-1:closed:2/2:1/1"},
			{store.CaseFilter{Affecting: qalab}, "CON-1:closed:2/2:1/1"},    // the opener
			{store.CaseFilter{Affecting: steelco}, ""},                      // neither affected nor opener
			{store.CaseFilter{Batch: "CON-1"}, "CON-1:closed:2/2:1/1"},      // raised on it
			{store.CaseFilter{Kind: models.CaseRecall}, ""},                 // no recall cases
			{store.CaseFilter{Limit: 1}, "BAR-1:open:0/1:0/0"},              // first page
			{store.CaseFilter{Batch: "CEM-1", Status: models.CaseOpen}, ""}, // upstream batch
			{store.CaseFilter{Affecting: buildco, Status: models.CaseClosed}, "CON-1:closed:2/2:1/1"},
			{store.CaseFilter{Affecting: qalab, Status: models.CaseOpen}, ""},
			{store.CaseFilter{Batch: "CON-1", Status: models.CaseOpen}, ""},
		} {
			if got := list(c.f); got != c.want {
				t.Errorf("Cases(%+v) = %q, want %q", c.f, got, c.want)
			}
		}
		p, _ := e.st.Cases(e.ctx, store.CaseFilter{Limit: 1})
		if p2, err := e.st.Cases(e.ctx, store.CaseFilter{Limit: 1, After: p.Next}); err != nil || len(p2.Items) != 1 || p2.Items[0].BatchCode != "CON-1" {
			t.Errorf("second page %+v %v", p2, err)
		}
		if _, err := e.st.Cases(e.ctx, store.CaseFilter{After: "x"}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("bad cursor: %v", err)
		}
		oc, err := e.st.OpenCases(e.ctx, "", 0)
		if err != nil || len(oc) != 1 || oc[0].ID != open || oc[0].Orgs != 1 || oc[0].AckedOrgs != 0 {
			t.Fatalf("OpenCases = %+v, %v", oc, err)
		}
		if age := oc[0].Age(t0.Add(24 * time.Hour)); age <= 0 || age > 24*time.Hour {
			t.Errorf("age %v", age)
		}
		if oc, _ := e.st.OpenCases(e.ctx, steelco, 0); len(oc) != 0 {
			t.Errorf("open cases of steelco: %+v", oc)
		}
		impact, err := e.st.CaseImpact(e.ctx, closed)
		if err != nil || len(impact) != 1 || impact[0].Location.Floor != "L3" || impact[0].Disposition != models.DispositionAcceptAsIs ||
			impact[0].Quantity != dec("20") {
			t.Errorf("impact %+v %v", impact, err)
		}
		if _, err := e.st.Case(e.ctx, "nope"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown case: %v", err)
		}
		// The failing 28-day result has its case; the visual failure of
		// AGG-1 has none.
		fs, err := e.st.FailuresWithoutCase(e.ctx, 0, 0)
		if err != nil || len(fs) != 1 || fs[0].Inspection.BatchCode != "AGG-1" {
			t.Errorf("failures without a case: %+v %v", fs, err)
		}
	})
}

func TestCaseCheckFindsTampering(t *testing.T) {
	cases := []struct {
		name, sql, key, what string
		table                string
	}{
		{"forged acknowledgement", `UPDATE rm_case_orgs SET ack_tx = 'tx9999' WHERE ack_tx = ''`, "case/", "field orgs", "rm_cases"},
		{"forged disposition", `UPDATE rm_case_usages SET disposition = 'replace'`, "case/", "field usages", "rm_cases"},
		{"reopened case", `UPDATE rm_cases SET status = 'open'`, "case/", "field status", "rm_cases"},
		{"deleted usage", `DELETE FROM rm_case_usages`, "case/", "field usages", "rm_cases"},
		{"orphan org", `INSERT INTO rm_case_orgs (case_id, pos, org_id) VALUES ('ghost', 0, 'cemco')`, "case/ghost", "record that is not", "rm_case_orgs"},
	}
	dbtest.Each(t, func(t *testing.T, dialect string) {
		for _, tc := range cases {
			t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
				e := newCaseEnv(t, dialect)
				e.applyDirect(e.c.events, 7)
				if err := e.check(); err != nil {
					t.Fatalf("Check before tampering: %v", err)
				}
				if err := e.db.Exec(tc.sql).Error; err != nil {
					t.Fatal(err)
				}
				var m *store.Mismatch
				if err := e.check(); !errors.As(err, &m) || m.Table != tc.table || !strings.HasPrefix(m.Key, tc.key) || !strings.Contains(m.What, tc.what) {
					t.Fatalf("Check after %s: %v", tc.name, err)
				}
			})
		}
	})
}

// TestNotificationsOnce: the outbox holds each case notification once,
// however the events are batched, and a reindex neither duplicates them
// nor queues webhook deliveries for old events (even to an endpoint added
// since); a new event queues one delivery per active endpoint.
func TestNotificationsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newCaseEnv(t, dialect)
		e.applyDirect(e.c.events, 3)
		notes := func(org string) string {
			t.Helper()
			p, err := e.st.Ops().Notifications(e.ctx, org, org+"-reader", 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, n := range p.Items {
				s = append(s, n.Kind+"<"+n.Actor)
			}
			return strings.Join(s, " ")
		}
		want := map[string]string{
			buildco: "case_opened<gov case_opened<qalab",
			mixco:   "case_opened<qalab",
			qalab:   "case_closed<buildco case_disposition<buildco case_acknowledged<mixco case_acknowledged<buildco",
			gov:     "",
		}
		check := func(when string) {
			t.Helper()
			for org, w := range want {
				if got := notes(org); got != w {
					t.Errorf("%s: notifications of %s = %q, want %q", when, org, got, w)
				}
			}
		}
		check("after projection")
		// Read state is per user.
		if n, _ := e.st.Ops().Unread(e.ctx, qalab, "qalab-a"); n != 4 {
			t.Errorf("unread = %d, want 4", n)
		}
		p, _ := e.st.Ops().Notifications(e.ctx, qalab, "qalab-a", 0, 0)
		if err := e.st.Ops().MarkRead(e.ctx, qalab, "qalab-a", p.Items[0].ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := e.st.Ops().MarkRead(e.ctx, buildco, "qalab-a", p.Items[1].ID, t0); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("marking another organization's notification: %v", err)
		}
		a, _ := e.st.Ops().Unread(e.ctx, qalab, "qalab-a")
		b, _ := e.st.Ops().Unread(e.ctx, qalab, "qalab-b")
		if a != 3 || b != 4 {
			t.Errorf("unread after marking one: %d and %d, want 3 and 4", a, b)
		}
		if err := e.st.Ops().MarkRead(e.ctx, qalab, "qalab-a", 0, t0); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.st.Ops().Unread(e.ctx, qalab, "qalab-a"); n != 0 {
			t.Errorf("unread after marking all: %d", n)
		}
		for _, org := range []string{gov, buildco} {
			if err := e.st.Ops().AddEndpoint(e.ctx, store.Endpoint{ID: "ep-" + org, Org: org, URL: "http://127.0.0.1:1/hook", Secret: "s", CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		if err := New(e.st, newSource(e.c.events), nil).Rebuild(e.ctx, nil); err != nil {
			t.Fatal(err)
		}
		check("after reindex")
		if n, _ := e.st.Ops().Unread(e.ctx, qalab, "qalab-a"); n != 0 {
			t.Errorf("reindex lost the read state: %d unread", n)
		}
		deliveries := func(org string) int {
			p, err := e.st.Ops().WebhookDeliveries(e.ctx, org, "", 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(p.Items)
		}
		if n := deliveries(buildco); n != 0 {
			t.Fatalf("reindex queued %d deliveries of old events", n)
		}
		_, open := caseIDs(t, e.c)
		e.c.tx(buildco, models.RoleOperator, "AcknowledgeCase", contract.AcknowledgeCaseArgs{Case: open})
		e.applyDirect(e.c.events[len(e.c.events)-1:], 1)
		want[gov] = "case_closed<buildco case_acknowledged<buildco"
		check("after the open case closed")
		if n := deliveries(gov); n != 2 {
			t.Fatalf("%d deliveries to gov, want 2", n)
		}
		due, err := e.st.Ops().DueWebhooks(e.ctx, time.Now(), 0)
		if err != nil || len(due) != 2 || due[0].Endpoint.ID != "ep-gov" || due[0].Notification.Case != open {
			t.Fatalf("due deliveries %+v %v", due, err)
		}
		if err := New(e.st, newSource(e.c.events), nil).Rebuild(e.ctx, nil); err != nil {
			t.Fatal(err)
		}
		if n := deliveries(gov); n != 2 {
			t.Fatalf("after a second reindex %d deliveries to gov, want 2", n)
		}
		check("after the second reindex")
	})
}

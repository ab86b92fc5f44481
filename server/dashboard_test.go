package server

import (
	"net/http"
	"strings"
	"testing"
)

func TestDashboardShowsWorkPerKind(t *testing.T) {
	f := newFixture(t, true)
	for _, tc := range []struct {
		user  string
		cards []string
	}{
		{"fuchun-cement.operator", []string{`id="dash-batches"`, `id="dash-outgoing"`, `id="dash-holds"`, `id="dash-recalls"`}},
		{"zhehang-logistics.operator", []string{`id="dash-carrying"`}},
		{"zhongjian-no8.operator", []string{`id="dash-incoming"`}},
		{"zj-quality-inspection.inspector", []string{`id="dash-holds"`}},
		{"hz-construction-bureau.viewer", []string{`id="dash-recalls"`}},
	} {
		t.Run(tc.user, func(t *testing.T) {
			c := f.login(t, tc.user)
			code, body := c.get(t, "/dashboard")
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			for _, want := range tc.cards {
				if !strings.Contains(body, want) {
					t.Errorf("missing %s", want)
				}
			}
		})
	}
	// The demo has a recall: it shows on an authority's dashboard.
	c := f.login(t, "hz-construction-bureau.viewer")
	_, body := c.get(t, "/dashboard")
	i := strings.Index(body, `id="dash-recalls"`)
	if i < 0 || !strings.Contains(body[i:], "/recalls/") {
		t.Error("the demo recall is not on the dashboard")
	}
	// In Chinese too.
	_, body = c.get(t, "/dashboard?lang=zh-CN")
	if !strings.Contains(body, "召回") {
		t.Error("no Chinese dashboard")
	}
}

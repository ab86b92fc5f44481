package server

import (
	"net/http"
	"regexp"
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
	if i < 0 || !strings.Contains(body[i:], `href="/recalls"`) {
		t.Error("the demo recall is not on the dashboard")
	}
	// The recalled lot on the card opens the lot's page, as README's tour
	// says (it opened the recall's impact list), and that page links the
	// impact list.
	m := regexp.MustCompile(`<li><a href="([^"]+)" class="mono">([^<]+)</a>`).FindStringSubmatch(body[i:])
	if m == nil || m[1] != "/b/"+m[2] {
		t.Fatalf("the recall card's item links %v, want the recalled batch's page", m)
	}
	code, page := c.get(t, m[1])
	if code != http.StatusOK || !strings.Contains(page, `id="status-banner"`) || !strings.Contains(page, `href="/recalls/`) {
		t.Errorf("GET %s: %d, want the recalled batch with its banner and a link to the impact list", m[1], code)
	}
	// In Chinese too.
	_, body = c.get(t, "/dashboard?lang=zh-CN")
	if !strings.Contains(body, "召回") {
		t.Error("no Chinese dashboard")
	}
}

package server

import (
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var hrefs = regexp.MustCompile(`href="(/[^"#]*)"`)

// TestCrawl visits, as one user of every organization kind and role and as
// the public, in English and Chinese, every page reachable by links from
// the dashboard (three levels deep, a bounded number per user), and fails on
// any 5xx, any page that logs a missing translation or an error, and any
// link that leads nowhere. It catches what page-by-page tests miss:
// message IDs built at run time, pages nobody links to correctly, and
// templates that fail on real demo data.
func TestCrawl(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := newFixtureOn(t, dialect, true)
		users := []string{
			"", // the public
			"fuchun-cement.operator", "jiangnan-steel.admin", "zhehang-logistics.operator", "zhongjian-no8.operator",
			"zhongjian-no8.admin", "zj-quality-inspection.inspector", "hz-construction-bureau.viewer", "qianjiang-urban-dev.admin",
		}
		for _, user := range users {
			name := user
			if name == "" {
				name = "public"
			}
			t.Run(name, func(t *testing.T) {
				c := f.anon()
				start := []string{"/", "/b/FC-260309-02", "/login"}
				if user != "" {
					c = f.login(t, user)
					start = []string{"/dashboard"}
				}
				for _, lang := range []string{"en", "zh-CN"} {
					c.get(t, "/login?lang="+lang) // the choice sticks in a cookie
					seen := map[string]bool{}
					queue := slices.Clone(start)
					for depth := 0; depth < 3 && len(queue) > 0; depth++ {
						var next []string
						for _, p := range queue {
							if seen[p] || len(seen) >= 80 || skipCrawl(p) {
								continue
							}
							seen[p] = true
							code, body := c.get(t, p)
							switch {
							case code >= 500:
								t.Errorf("%s %s: %d", lang, p, code)
							case code == http.StatusNotFound:
								t.Errorf("%s %s: a link leads to a 404", lang, p)
							}
							for _, m := range hrefs.FindAllStringSubmatch(body, -1) {
								next = append(next, strings.ReplaceAll(m[1], "&amp;", "&"))
							}
						}
						queue = next
					}
					t.Logf("%s: %d pages", lang, len(seen))
					for _, l := range f.logs.take() {
						t.Errorf("%s: logged: %s", lang, l)
					}
				}
			})
		}
	})
}

// skipCrawl leaves out links that are not pages: downloads, the API,
// static files, language switches and logging out.
func skipCrawl(p string) bool {
	for _, pre := range []string{"/static/", "/api/", "/files/", "/logout", "/metrics", "/healthz", "/readyz"} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return strings.Contains(p, "lang=") || strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".pdf")
}

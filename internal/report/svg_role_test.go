package report

import (
	"bytes"
	"strings"
	"testing"
)

// TestGraphRoleFollowsLinks: a graph whose boxes link to pages is a group
// (an image's content, its links included, is hidden from screen readers,
// and axe-core reports the links as nested interactive content); a graph
// without links, such as /trace.svg, stays an image. Both keep their name.
func TestGraphRoleFollowsLinks(t *testing.T) {
	back, fwd := knownTraces()
	l := Place(New(back, fwd, plainNames{}))
	for _, c := range []struct {
		name, role string
		href       func(Node) string
	}{
		{"links", `role="group"`, func(n Node) string { return "/b/" + n.Code }},
		{"no links", `role="img"`, nil},
	} {
		var buf bytes.Buffer
		if err := SVG(&buf, l, echo{}, SVGOptions{Title: "trace", Href: c.href}); err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(buf.String(), ">")
		if !strings.Contains(head, c.role) || !strings.Contains(head, `aria-labelledby="trace-graph-title"`) {
			t.Errorf("%s: %s, want %s and its title as name", c.name, head, c.role)
		}
		if hasLinks := strings.Contains(buf.String(), "<a "); hasLinks != (c.href != nil) {
			t.Errorf("%s: links drawn: %v", c.name, hasLinks)
		}
	}
}

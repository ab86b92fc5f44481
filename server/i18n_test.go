package server

import (
	"regexp"
	"testing"

	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/templates"
)

// TestTemplatesUseKnownMessages checks that every message ID a template
// asks for exists in every language, so no page shows a raw ID.
func TestTemplatesUseKnownMessages(t *testing.T) {
	cat, err := i18n.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := templates.Sources()
	if err != nil {
		t.Fatal(err)
	}
	use := regexp.MustCompile(`\.L\.T "([^"]+)"`)
	for name, src := range srcs {
		for _, m := range use.FindAllStringSubmatch(src, -1) {
			for _, l := range i18n.Languages {
				if !cat.Has(l.Tag, m[1]) {
					t.Errorf("%s uses %q, missing in %s", name, m[1], l.Tag)
				}
			}
		}
	}
}

// TestNoInlineScript keeps the CSP honest: no template has inline script,
// inline event handlers or inline styles.
func TestNoInlineScript(t *testing.T) {
	srcs, err := templates.Sources()
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:`)
	for name, src := range srcs {
		if loc := bad.FindStringIndex(src); loc != nil {
			t.Errorf("%s has inline script or style near %q", name, src[loc[0]:min(loc[1]+20, len(src))])
		}
	}
}

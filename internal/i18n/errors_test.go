package i18n

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// templateAction matches a template action such as {{.P0}} or {{ .Batch }}.
var templateAction = regexp.MustCompile(`\{\{-?\s*([^{}]*?)\s*-?\}\}`)

// hasHan reports whether s holds at least one Chinese character.
var hasHan = regexp.MustCompile(`\p{Han}`)

// errMessages reads the err.* messages of one language from the embedded
// catalogues.
func errMessages(t *testing.T, tag string) map[string]string {
	t.Helper()
	files, err := fs.Glob(catalogues, "locales/*."+tag+".toml")
	if err != nil {
		t.Fatal(err)
	}
	msgs := map[string]string{}
	for _, f := range files {
		data, err := catalogues.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var all map[string]any
		if err := toml.Unmarshal(data, &all); err != nil {
			t.Fatalf("%s: %v", path.Base(f), err)
		}
		for id, v := range all {
			if !strings.HasPrefix(id, "err.") {
				continue
			}
			s, ok := v.(string)
			if !ok {
				t.Errorf("%s: %s is not a plain string", path.Base(f), id)
				continue
			}
			msgs[id] = s
		}
	}
	return msgs
}

// actions lists a message's template actions, sorted: {{.P1}} {{.P0}}
// gives [.P0 .P1].
func actions(msg string) []string {
	var as []string
	for _, m := range templateAction.FindAllStringSubmatch(msg, -1) {
		as = append(as, m[1])
	}
	slices.Sort(as)
	return as
}

// TestErrorTranslationsKeepTheirParameters: an error message's parameters
// are the values that say what went wrong (the batch, the quantity, the
// organization), so a translation must show every one of them exactly as
// often as the English does, under the same name, in any order; and a
// zh-CN error must actually be Chinese, not English copied over.
func TestErrorTranslationsKeepTheirParameters(t *testing.T) {
	en := errMessages(t, "en")
	if len(en) == 0 {
		t.Fatal("no English err.* messages loaded")
	}
	for _, l := range Languages[1:] {
		tr := errMessages(t, l.Tag)
		for id, src := range en {
			got, ok := tr[id]
			if !ok {
				continue // TestCataloguesDefineTheSameIDs reports it
			}
			if want, have := actions(src), actions(got); !slices.Equal(want, have) {
				t.Errorf("%s %s has parameters %v, English has %v: %q", l.Tag, id, have, want, got)
			}
			if l.Tag == "zh-CN" && !hasHan.MatchString(got) {
				t.Errorf("%s %s has no Chinese character: %q", l.Tag, id, got)
			}
		}
	}
}

// TestErrorParametersAreNumbered: the English error messages name their
// parameters P0, P1, … in the order the code passes them, none skipped, so
// the check above compares translations against a sound source.
func TestErrorParametersAreNumbered(t *testing.T) {
	p := regexp.MustCompile(`^\.P(\d+)$`)
	for id, msg := range errMessages(t, "en") {
		seen := map[string]bool{}
		for _, a := range actions(msg) {
			if !p.MatchString(a) {
				t.Errorf("%s: %q is not a positional parameter {{.Pn}}", id, a)
			}
			seen[a] = true
		}
		for i := range len(seen) {
			if !seen[".P"+strconv.Itoa(i)] {
				t.Errorf("%s: parameters %v skip P%d", id, actions(msg), i)
			}
		}
	}
}

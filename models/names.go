package models

import "sort"

// NameLanguages are the languages a record's names may be given in (BCP 47
// tags, as internal/i18n speaks them).
var NameLanguages = []string{"en", "zh-CN"}

// LocalNames are a record's name in the languages it is given in
// (language tag → name), beside its Name, which every reader falls back
// to: "中建八局杭州分公司" for zh-CN readers of an organization whose Name
// is in English.
type LocalNames map[string]string

// In returns the name for lang, or fallback when there is none.
func (n LocalNames) In(lang, fallback string) string {
	if s := n[lang]; s != "" {
		return s
	}
	return fallback
}

// ValidateLocalNames checks names: known languages only, each a required
// line of at most MaxName characters.
func ValidateLocalNames(field string, n LocalNames) error {
	langs := make([]string, 0, len(n))
	for l := range n {
		langs = append(langs, l)
	}
	sort.Strings(langs) // the first bad one, always the same
	for _, l := range langs {
		known := false
		for _, k := range NameLanguages {
			known = known || k == l
		}
		if !known {
			return Invalid(field, "%q is not a language names are given in (en, zh-CN)", l)
		}
		if err := RequireLine(field+"."+l, n[l], MaxName); err != nil {
			return err
		}
	}
	return nil
}

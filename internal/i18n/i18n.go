// Package i18n is Plumbline's message catalogue: every user-facing string
// of the pages goes through it, in English and Simplified Chinese (zh-CN).
//
// Catalogues are TOML files under locales/, one pair per area of the app
// (core.en.toml and core.zh-CN.toml, supplier.en.toml and
// supplier.zh-CN.toml, …), embedded in the binary. A test checks that both
// languages define exactly the same message IDs and that every ID the
// templates use exists.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var catalogues embed.FS

// Language is a language the app speaks.
type Language struct {
	Tag  string // BCP 47 tag, e.g. "zh-CN"
	Name string // the language's name in itself, e.g. "中文"
}

// Languages lists the supported languages, the default first.
var Languages = []Language{{Tag: "en", Name: "English"}, {Tag: "zh-CN", Name: "中文"}}

// Catalogue holds every message in every language.
type Catalogue struct {
	bundle  *i18n.Bundle
	matcher language.Matcher
	ids     map[string]map[string]bool // language tag → message IDs
	locs    map[string]*Localizer
	log     *slog.Logger
}

// Load parses the embedded catalogues.
func Load(log *slog.Logger) (*Catalogue, error) {
	if log == nil {
		log = slog.Default()
	}
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalogue{bundle: b, ids: map[string]map[string]bool{}, locs: map[string]*Localizer{}, log: log}
	files, err := fs.Glob(catalogues, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := catalogues.ReadFile(f)
		if err != nil {
			return nil, err
		}
		mf, err := b.ParseMessageFileBytes(data, path.Base(f))
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", f, err)
		}
		tag := mf.Tag.String()
		if c.ids[tag] == nil {
			c.ids[tag] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			if c.ids[tag][m.ID] {
				return nil, fmt.Errorf("catalogue %s: message %q is defined twice", f, m.ID)
			}
			c.ids[tag][m.ID] = true
		}
	}
	var tags []language.Tag
	for _, l := range Languages {
		t := language.MustParse(l.Tag)
		tags = append(tags, t)
		c.locs[l.Tag] = &Localizer{tag: l.Tag, loc: i18n.NewLocalizer(b, l.Tag), log: log}
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// Match picks the supported language for an explicit choice (a cookie or
// ?lang=, may be empty) and the browser's Accept-Language header.
func (c *Catalogue) Match(choice, acceptLanguage string) string {
	for _, l := range Languages {
		if strings.EqualFold(choice, l.Tag) {
			return l.Tag
		}
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Languages[0].Tag
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return Languages[0].Tag
	}
	return Languages[i].Tag
}

// Localizer returns the localizer for a supported language tag (the
// default language for anything else).
func (c *Catalogue) Localizer(tag string) *Localizer {
	if l, ok := c.locs[tag]; ok {
		return l
	}
	return c.locs[Languages[0].Tag]
}

// IDs returns the sorted message IDs defined for a language.
func (c *Catalogue) IDs(tag string) []string {
	var ids []string
	for id := range c.ids[tag] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Has reports whether the message id is defined in the language.
func (c *Catalogue) Has(tag, id string) bool { return c.ids[tag][id] }

// Localizer translates message IDs into one language.
type Localizer struct {
	tag string
	loc *i18n.Localizer
	log *slog.Logger
}

// Lang returns the localizer's language tag.
func (l *Localizer) Lang() string { return l.tag }

// T returns the message id, filled from key/value pairs:
// T("batch.count", "Count", 3, "Site", "tower-a"). A "Count" key also
// selects the plural form. A missing message is logged and shows its ID, so
// a gap is visible but never breaks a page.
func (l *Localizer) T(id string, kv ...any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(kv) > 0 {
		data := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			k := fmt.Sprint(kv[i])
			data[k] = kv[i+1]
			if k == "Count" {
				cfg.PluralCount = kv[i+1]
			}
		}
		cfg.TemplateData = data
	}
	s, err := l.loc.Localize(cfg)
	if err != nil {
		l.log.Warn("missing translation", "lang", l.tag, "id", id, "err", err)
		return id
	}
	return s
}

package i18n

import (
	"slices"
	"testing"
)

func TestCataloguesDefineTheSameIDs(t *testing.T) {
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	en, zh := c.IDs("en"), c.IDs("zh-CN")
	if len(en) == 0 {
		t.Fatal("no English messages loaded")
	}
	for _, id := range en {
		if !c.Has("zh-CN", id) {
			t.Errorf("%q has no zh-CN translation", id)
		}
	}
	for _, id := range zh {
		if !c.Has("en", id) {
			t.Errorf("%q is in zh-CN but not in English", id)
		}
	}
}

func TestMatch(t *testing.T) {
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ choice, accept, want string }{
		{"", "", "en"},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"},
		{"", "zh", "zh-CN"},
		{"", "zh-TW", "zh-CN"},
		{"", "fr-FR,en;q=0.5", "en"},
		{"", "de", "en"},
		{"zh-cn", "en", "zh-CN"},
		{"en", "zh-CN", "en"},
		{"xx", "zh-CN", "zh-CN"},
		{"", "garbage;;;", "en"},
	} {
		if got := c.Match(tc.choice, tc.accept); got != tc.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tc.choice, tc.accept, got, tc.want)
		}
	}
}

func TestT(t *testing.T) {
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Localizer("zh-CN").T("dashboard.welcome", "Name", "周伟"); got != "欢迎，周伟" {
		t.Errorf("zh-CN welcome = %q", got)
	}
	if got := c.Localizer("en").T("login.rate_limited", "Minutes", 15); got != "Too many failed attempts. Try again in 15 minutes." {
		t.Errorf("en rate limited = %q", got)
	}
	if got := c.Localizer("en").T("no.such.message"); got != "no.such.message" {
		t.Errorf("missing message = %q, want its ID", got)
	}
	if got := c.Localizer("fr").Lang(); got != "en" {
		t.Errorf("unsupported language falls back to %q", got)
	}
	if !slices.ContainsFunc(Languages, func(l Language) bool { return l.Tag == "zh-CN" }) {
		t.Error("zh-CN missing from Languages")
	}
}

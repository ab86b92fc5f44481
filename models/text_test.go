package models

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateText(t *testing.T) {
	for _, c := range []struct {
		name, s   string
		multiline bool
		ok        bool
	}{
		{"plain", "浙A·B1234", false, true},
		{"empty", "", false, true},
		{"bell", "ok\a", false, false},
		{"newline in a line", "two\nlines", false, false},
		{"newline in a note", "a\nb\r\n\tc", true, true},
		{"escape in a note", "\x1b[31mred", true, false},
		{"delete", "a\x7fb", true, false},
		{"c1 control", "a\u0085b", true, false},
		{"bidi override", "invoice\u202egpj.exe", true, false},
		{"bidi isolate", "a\u2066b", false, false},
		{"line separator", "a\u2028b", false, false},
		{"invalid utf-8", "a\xffb", true, false},
		{"exactly max", strings.Repeat("混", 10), false, true},
		{"one over max", strings.Repeat("混", 11), false, false},
	} {
		validate := ValidateLine
		if c.multiline {
			validate = ValidateNote
		}
		err := validate("notes", c.s, 10)
		if c.ok != (err == nil) {
			t.Errorf("%s: err = %v, want ok %v", c.name, err, c.ok)
		}
		var me *Error
		if err != nil && (!errors.As(err, &me) || me.Field != "notes" || !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s: %v is not an invalid-notes error", c.name, err)
		}
	}
	if err := RequireLine("name", " \t", 10); err == nil || !strings.Contains(err.Error(), "name: is required") {
		t.Errorf("blank required line: %v", err)
	}
}

func TestDecimalAdd(t *testing.T) {
	big := MustDecimal("999999999999999")
	for _, c := range []struct {
		a, b Decimal
		want Decimal
		ok   bool
	}{
		{MustDecimal("1.5"), MustDecimal("2.25"), MustDecimal("3.75"), true},
		{MaxDecimal, 0, MaxDecimal, true},
		{MaxDecimal, 1, 0, false},
		{-MaxDecimal, -1, 0, false},
		{big, big, 0, false},
		{MaxDecimal + 5, -10, 0, false}, // operands out of range are refused, too
	} {
		got, ok := c.a.Add(c.b)
		if got != c.want || ok != c.ok {
			t.Errorf("%s + %s = %s, %v; want %s, %v", c.a, c.b, got, ok, c.want, c.ok)
		}
	}
	// Every sum Add accepts can be read back.
	s, _ := MaxDecimal.Add(0)
	if back, err := ParseDecimal(s.String()); err != nil || back != s {
		t.Errorf("MaxDecimal does not round-trip: %v", err)
	}
}

func TestModelTextLimits(t *testing.T) {
	o := Organization{ID: "buildco", Name: "Build Co", Kind: KindContractor, Sites: []string{"tower-a", "tower-b", "tower-a"}}
	if err := o.Validate(); err == nil || !strings.HasPrefix(err.Error(), "sites[2]: ") {
		t.Errorf("duplicate site: %v", err)
	}
	o.Sites = nil
	o.Address = "1 Road\nX"
	if err := o.Validate(); err == nil || !strings.HasPrefix(err.Error(), "address: ") {
		t.Errorf("address with a line break: %v", err)
	}
	o.Address, o.Name = "", strings.Repeat("n", MaxName+1)
	if err := o.Validate(); err == nil || !strings.HasPrefix(err.Error(), "name: ") {
		t.Errorf("long name: %v", err)
	}
	p := Product{ID: "p", Name: "P", Category: CatCement, Standard: "GB 175-2023", Unit: "t",
		SpecLimits: []SpecLimit{{Property: "x", Unit: "MPa\x00", Min: new(Decimal)}}}
	if err := p.Validate(); err == nil || !strings.HasPrefix(err.Error(), "spec_limits[0].unit: ") {
		t.Errorf("unit with NUL: %v", err)
	}
	l := Location{Project: "P", Building: "B", Element: "slab\x1b"}
	if err := l.Validate(); err == nil || !strings.HasPrefix(err.Error(), "element: ") {
		t.Errorf("element with ESC: %v", err)
	}
	if err := l.Validate(); err != nil && strings.Contains(err.Error(), "\x1b") {
		t.Errorf("the message repeats the control character: %q", err)
	}
}

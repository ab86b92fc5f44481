package models

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Decimal
		text string // String() of the result
		bad  bool
	}{
		{in: "12", want: 12000, text: "12"},
		{in: "12.5", want: 12500, text: "12.5"},
		{in: "0.045", want: 45, text: "0.045"},
		{in: "-3.25", want: -3250, text: "-3.25"},
		{in: ".5", want: 500, text: "0.5"},
		{in: "+7.", want: 7000, text: "7"},
		{in: " 42.500 ", want: 42500, text: "42.5"},
		{in: "1.2345", bad: true},
		{in: "1e3", bad: true},
		{in: "", bad: true},
		{in: ".", bad: true},
		{in: "abc", bad: true},
		{in: "1234567890123456", bad: true},
	} {
		got, err := ParseDecimal(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseDecimal(%q) = %v, want error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want || got.String() != tc.text {
			t.Errorf("ParseDecimal(%q) = %d (%s), %v; want %d (%s)", tc.in, got, got, err, tc.want, tc.text)
		}
	}
}

func TestDecimalJSON(t *testing.T) {
	var v struct{ Q Decimal }
	for in, want := range map[string]Decimal{`{"Q":20.5}`: 20500, `{"Q":"20.50"}`: 20500, `{"Q":3}`: 3000} {
		if err := json.Unmarshal([]byte(in), &v); err != nil || v.Q != want {
			t.Errorf("%s → %d, %v", in, v.Q, err)
		}
	}
	if err := json.Unmarshal([]byte(`{"Q":1.0001}`), &v); err == nil {
		t.Error("4 decimal places accepted")
	}
	b, _ := json.Marshal(struct{ Q Decimal }{MustDecimal("0.125")})
	if string(b) != `{"Q":0.125}` {
		t.Errorf("marshal %s", b)
	}
}

func TestValidateGTIN(t *testing.T) {
	for g, ok := range map[string]bool{
		"06901234567892":  true, // GTIN-14
		"6901234567892":   true, // GTIN-13
		"96385074":        true, // GTIN-8
		"036000291452":    true, // GTIN-12 (UPC-A)
		"6901234567893":   false,
		"690123456789":    false,
		"69012345678A2":   false,
		"":                false,
		"123456789012345": false,
	} {
		if err := ValidateGTIN("gtin", g); (err == nil) != ok {
			t.Errorf("ValidateGTIN(%q) = %v, want ok=%v", g, err, ok)
		}
	}
	if GTIN14("6901234567892") != "06901234567892" {
		t.Error("GTIN14 padding")
	}
}

func TestProductValidate(t *testing.T) {
	min := MustDecimal("42.5")
	good := Product{ID: "cem-425", Name: "P·O 42.5", Category: CatCement, Standard: "GB 175-2023", Unit: "t",
		GTIN: "6901234567892", Manufacturer: "cemco", SpecLimits: []SpecLimit{{Property: "compressive_strength_28d", Unit: "MPa", Min: &min}}}
	if err := good.Validate(); err != nil {
		t.Fatalf("good product: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(p *Product)
		field string
	}{
		{"id", func(p *Product) { p.ID = "bad id" }, "id"},
		{"category", func(p *Product) { p.Category = "sand" }, "category"},
		{"unit", func(p *Product) { p.Unit = "tonnes" }, "unit"},
		{"gtin", func(p *Product) { p.GTIN = "6901234567893" }, "gtin"},
		{"standard", func(p *Product) { p.Standard = " " }, "standard"},
		{"limit without bounds", func(p *Product) { p.SpecLimits = []SpecLimit{{Property: "x"}} }, "spec_limits[0]"},
		{"property name", func(p *Product) { p.SpecLimits[0].Property = "Strength!" }, "spec_limits[0].property"},
	} {
		p := good
		p.SpecLimits = append([]SpecLimit(nil), good.SpecLimits...)
		tc.edit(&p)
		err := p.Validate()
		var me *Error
		if !errors.As(err, &me) || !errors.Is(err, ErrInvalid) || me.Field != tc.field {
			t.Errorf("%s: got %v, want invalid %s", tc.name, err, tc.field)
		}
	}
	if l, _ := good.Limit("compressive_strength_28d"); l.Check(MustDecimal("42.4")) || !l.Check(MustDecimal("42.5")) {
		t.Error("spec limit check")
	}
}

func TestOrganizationAndLocation(t *testing.T) {
	o := Organization{ID: "buildco", Name: "Build Co", Kind: KindContractor, Country: "CN", Sites: []string{"tower-a"}}
	if err := o.Validate(); err != nil || !o.HasSite("tower-a") || o.HasSite("x") {
		t.Fatalf("org: %v", err)
	}
	o.Kind = "bank"
	if err := o.Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad kind accepted: %v", err)
	}
	l := Location{Project: "Riverside", Building: "T1", Floor: "12", Element: "column C3"}
	if err := l.Validate(); err != nil || l.Path() != "Riverside / T1 / 12 / column C3" {
		t.Errorf("location %v %q", err, l.Path())
	}
	l.Element = ""
	if err := l.Validate(); err == nil {
		t.Error("location without element accepted")
	}
	if err := Prefix("lines[2]", Invalid("quantity", "must be above zero")); err.Error() != "lines[2].quantity: must be above zero" {
		t.Errorf("prefix: %v", err)
	}
}

func TestSplitKey(t *testing.T) {
	if p, id := SplitKey(Key(PrefixBatch, "CEM-1.2")); p != PrefixBatch || id != "CEM-1.2" {
		t.Errorf("SplitKey: %q %q", p, id)
	}
}

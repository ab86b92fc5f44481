package server

import (
	"encoding/csv"
	"strings"
	"testing"
)

// TestPageCSVColumnsInBothLanguages: every page download's column has a
// header in both catalogues.
func TestPageCSVColumnsInBothLanguages(t *testing.T) {
	f := newFixture(t, false)
	for _, lang := range []string{"en", "zh-CN"} {
		L := f.srv.cat.Localizer(lang)
		for _, col := range pageCSVColumns {
			if got := L.T("csv.col." + col); got == "csv.col."+col || got == "" {
				t.Errorf("%s: no header for the CSV column %s", lang, col)
			}
		}
	}
}

// TestPageCSVForExcel: a page's CSV download starts with a UTF-8 byte-order
// mark (so Excel on a Chinese Windows reads it right) and its header row is
// in the reader's language.
func TestPageCSVForExcel(t *testing.T) {
	f := newFixture(t, true)
	c := f.login(t, "hz-construction-bureau.viewer")
	for lang, first := range map[string]string{"en": "Used on", "zh-CN": "使用时间"} {
		c.get(t, "/login?lang="+lang)
		code, body := c.get(t, "/where-used.csv?heat=J2603001")
		if code != 200 || !strings.HasPrefix(body, utf8BOM) {
			t.Fatalf("%s: where-used CSV: %d, starts %q", lang, code, body[:min(len(body), 8)])
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, utf8BOM))).ReadAll()
		if err != nil || len(rows) == 0 || rows[0][0] != first {
			t.Errorf("%s: the header row %q (%v), want it to start with %q", lang, rows, err, first)
		}
	}
}

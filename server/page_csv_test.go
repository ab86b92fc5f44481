package server

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/importcsv"
)

// TestPageCSVColumnsInBothLanguages: every page download's column has a
// header in both catalogues.
func TestPageCSVColumnsInBothLanguages(t *testing.T) {
	f := newFixture(t, false)
	for _, lang := range []string{"en", "zh-CN"} {
		L := f.srv.cat.Localizer(lang)
		cols := slices.Clone(pageCSVColumns)
		for _, k := range importcsv.Kinds {
			cols = append(append(cols, k.Required...), k.Optional...)
		}
		for _, col := range cols {
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

// TestImportAcceptsTheReadersHeaders: an import file whose header row is in
// Chinese (as the page CSV downloads write it, with a byte-order mark) is
// read like one with the stable English names; an unknown header is still
// refused.
func TestImportAcceptsTheReadersHeaders(t *testing.T) {
	f := newFixture(t, true)
	tok := f.token(t, "fuchun-cement.operator")
	product := f.orgBatch(t, "fuchun-cement").ProductID
	file := "\ufeff编号,产品编号,数量,生产日期,产地\nZH-HDR-1," + product + ",10,2026-03-01,富阳二号窑\n"
	var j importJob
	if code := f.callRaw(t, tok, http.MethodPost, "/api/v1/imports?kind=batches", "text/csv", strings.NewReader(file), &j); code != http.StatusAccepted {
		t.Fatalf("an import with Chinese headers: %d %+v", code, j)
	}
	if j = f.waitImport(t, tok, j.ID); j.Committed != 1 || j.Failed != 0 {
		t.Fatalf("job: %+v", j)
	}
	if n := countBatches(t, f, "ZH-HDR-"); n != 1 {
		t.Fatalf("%d batches, want 1", n)
	}
	bad := "编号,产品名称,数量,生产日期\nZH-HDR-2," + product + ",10,2026-03-01\n"
	if code := f.callRaw(t, tok, http.MethodPost, "/api/v1/imports?kind=batches", "text/csv", strings.NewReader(bad), nil); code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
		t.Errorf("an unknown header: %d", code)
	}
}

package label

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/models"
)

func demoLabels(n int) []Label {
	products := []string{"P.O 42.5 Portland cement", "HRB400E hot-rolled ribbed steel bar, 12 mm diameter, 9 m lengths", "C30 ready-mix concrete"}
	out := make([]Label, n)
	for i := range out {
		code := fmt.Sprintf("CM-%04d", i+1)
		out[i] = Label{
			URI:      URI(base, models.Batch{Code: code}, cement),
			Code:     code,
			Product:  products[i%len(products)],
			Quantity: fmt.Sprintf("%d t", 10+i),
			Producer: "Huaxin Cement Co., Ltd.",
			Date:     "2024-03-01",
		}
	}
	return out
}

var pageRe = regexp.MustCompile(`/Type /Page\b[^s]`)

func TestSheet(t *testing.T) {
	labels := demoLabels(30)
	labels[4].Product = "水泥 Béton prêt à l'emploi 🚧"
	labels[5].Code = strings.Repeat("VERY-LONG-BATCH-CODE-", 4)
	var buf bytes.Buffer
	q := NewQR(64)
	err := Sheet(&buf, labels, SheetOptions{Title: "Delivery 7 labels", Uncompressed: true, QR: q,
		Created: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	pdf := buf.Bytes()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.HasSuffix(bytes.TrimSpace(pdf), []byte("%%EOF")) {
		t.Fatalf("not a pdf: %.20q … %.20q", pdf, pdf[len(pdf)-20:])
	}
	if n := len(pageRe.FindAll(pdf, -1)); n != 2 {
		t.Errorf("%d pages, want 2", n)
	}
	if !bytes.Contains(pdf, []byte("/Count 2")) {
		t.Error("page tree does not count 2 pages")
	}
	if n := bytes.Count(pdf, []byte("/Subtype /Image")); n != 30 {
		t.Errorf("%d images, want 30", n)
	}
	for i, lb := range labels {
		if i == 5 {
			continue
		}
		for _, s := range []string{lb.Code, lb.Quantity, "2024-03-01"} {
			if !bytes.Contains(pdf, []byte("("+s+")")) {
				t.Errorf("label %d: %q is not on the page", i, s)
			}
		}
	}
	for _, s := range []string{"(P.O 42.5 Portland cement)", "(C30 ready-mix concrete)", "(HRB400E hot-rolled ribbed)", "(steel bar, 12 mm diameter, 9)", "(m lengths)",
		"(?? B\xe9ton pr\xeat \xe0 l'emploi ?)"} {
		if !bytes.Contains(pdf, []byte(s)) {
			t.Errorf("%q is not on the page", s)
		}
	}
	if i := bytes.Index(pdf, []byte("(VERY-LONG-")); i < 0 || !bytes.HasPrefix(pdf[i+bytes.IndexByte(pdf[i:], ')')-1:], []byte(ellipsis+")Tj")) {
		t.Error("long batch code is not shortened with an ellipsis")
	}
	if !bytes.Contains(pdf, []byte("/Title (\xfe\xff")) || !bytes.Contains(pdf, []byte("/Creator (")) {
		t.Error("title or creator metadata missing")
	}
	if _, m := q.Stats(); m != 30 {
		t.Errorf("%d renders, want 30", m)
	}
	// Same labels again: every QR code comes from the cache.
	if err := Sheet(&bytes.Buffer{}, labels, SheetOptions{QR: q}); err != nil {
		t.Fatal(err)
	}
	if h, m := q.Stats(); h != 30 || m != 30 {
		t.Errorf("second sheet: %d hits %d misses, want 30, 30", h, m)
	}
}

func TestSheetCompressed(t *testing.T) {
	var buf bytes.Buffer
	if err := Sheet(&buf, demoLabels(24), SheetOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(pageRe.FindAll(buf.Bytes(), -1)); n != 1 {
		t.Errorf("%d pages, want 1", n)
	}
	if bytes.Contains(buf.Bytes(), []byte("(CM-0001)")) {
		t.Error("content is not compressed")
	}
}

func TestSheetOptions(t *testing.T) {
	tests := []struct {
		opt   SheetOptions
		field string // "" when valid
	}{
		{SheetOptions{}, ""},
		{SheetOptions{Columns: 2, Rows: 5}, ""},
		{SheetOptions{Columns: 3, Rows: 8, LabelWidth: 63.5, LabelHeight: 33.9, GapX: 2.5}, ""},
		{SheetOptions{Columns: 7}, "columns"},
		{SheetOptions{Columns: -1}, "columns"},
		{SheetOptions{Rows: 21}, "rows"},
		{SheetOptions{GapX: -1}, "gap"},
		{SheetOptions{LabelWidth: -5}, "label_size"},
		{SheetOptions{Columns: 3, LabelWidth: 80}, "label_size"}, // 240 mm wide
		{SheetOptions{Rows: 14}, "label_size"},                   // 21 mm high: no room for a 22 mm code
		{SheetOptions{Columns: 5}, "label_size"},                 // 42 mm wide: no room for text
	}
	for _, tt := range tests {
		err := Sheet(&bytes.Buffer{}, demoLabels(3), tt.opt)
		var me *models.Error
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%+v: %v", tt.opt, err)
		case tt.field != "" && (!errors.As(err, &me) || me.Field != tt.field):
			t.Errorf("%+v: err = %v, want invalid %s", tt.opt, err, tt.field)
		}
	}
	var me *models.Error
	if err := Sheet(&bytes.Buffer{}, nil, SheetOptions{}); !errors.As(err, &me) || me.Field != "labels" {
		t.Errorf("no labels: err = %v", err)
	}
	bad := demoLabels(3)
	bad[2].URI = ""
	if err := Sheet(&bytes.Buffer{}, bad, SheetOptions{}); !errors.As(err, &me) || me.Field != "labels[2].uri" {
		t.Errorf("empty uri: err = %v", err)
	}
}

package importcsv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// directory is a fixed read model: two products of two makers and three
// organizations.
type directory struct{}

func (directory) Products(context.Context, string) ([]models.Product, error) {
	return []models.Product{{ID: "po-42.5", Manufacturer: "fuchun-cement"}, {ID: "hrb400", Manufacturer: "shagang-steel"}}, nil
}

func (directory) Organizations(context.Context, models.OrgKind) ([]models.Organization, error) {
	return []models.Organization{{ID: "fuchun-cement"}, {ID: "zhongjian-no8"}, {ID: "zhehang-logistics"}}, nil
}

// zhHeaders are the Chinese names of the batch columns, as the server
// builds them from its catalogues.
var zhHeaders = map[string]string{"编号": "code", "产品编号": "product_id", "数量": "quantity", "生产日期": "produced_on"}

func TestParse(t *testing.T) {
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) }
	batches := "code,product_id,quantity,produced_on\n"
	shipments := "code,to,carrier,batch,quantity,vehicle\n"
	for _, c := range []struct {
		name    string
		kind    string
		file    string
		items   [][]int  // each transaction's rows
		bad     []string // "row/column" of every error
		tooBig  bool
		invalid string // the field of a models.Error
	}{
		{"the template", Batches, Templates[Batches], [][]int{{2}, {3}}, nil, false, ""},
		{"byte-order mark, blank line, any column order", Batches, "\xef\xbb\xbfproduced_on,quantity,product_id,code\n2026-04-01,10,po-42.5,A-1\n\n2026-04-01,5,po-42.5,A-2\n", [][]int{{2}, {4}}, nil, false, ""},
		{"headers in the reader's language", Batches, "编号,产品编号,数量,生产日期\nA-1,po-42.5,10,2026-04-01\n", [][]int{{2}}, nil, false, ""},
		{"production dates: future, old, old confirmed, a bad confirmation", Batches, "code,product_id,quantity,produced_on,confirm_old_date\n" +
			"F-1,po-42.5,1,2026-12-20,\nO-1,po-42.5,1,2019-01-01,\nO-2,po-42.5,1,2019-01-01,是\nO-3,po-42.5,1,2019-01-01,maybe\nT-1,po-42.5,1,2026-12-08,no\n",
			nil, []string{"2/produced_on", "3/produced_on", "5/confirm_old_date"}, false, ""},
		{"unknown kind", "orders", batches + "A,po-42.5,1,2026-04-01\n", nil, nil, false, "kind"},
		{"empty file", Batches, "", nil, nil, false, "file"},
		{"header only", Batches, batches, nil, nil, false, "file"},
		{"header problems", Batches, "code,code,colour,quantity,produced_on\nA,A,red,1,2026-04-01\n", nil, []string{"1/code", "1/colour", "1/product_id"}, false, ""},
		{"bad rows, each once", Batches, batches + "A,po-42.5,lots,2026-04-01\nB,po-42.5,1,2026-04-01\nB,po-42.5,1,2026-04-01\nC,hrb400,1,2026-04-01\nD,no-such,1,2026-04-01\n",
			nil, []string{"2/quantity", "4/code", "5/product_id", "6/product_id"}, false, ""},
		{"unterminated quote", Batches, batches + "\"A,po-42.5,1,2026-04-01\n", nil, []string{"2/"}, false, ""},
		{"too many rows", Batches, batches + strings.Repeat("A,po-42.5,1,2026-04-01\n", MaxRows+1), nil, nil, true, ""},
		{"too many bytes", Batches, batches + strings.Repeat("x", MaxBytes), nil, nil, true, ""},
		{"shipment lines grouped by code", Shipments, shipments + "S-1,zhongjian-no8,zhehang-logistics,A-1,1,V1\nS-2,zhongjian-no8,zhehang-logistics,A-2,2,\nS-1,,,A-3,3,\n",
			[][]int{{2, 4}, {3}}, nil, false, ""},
		{"shipment header clashes and unknown organizations", Shipments, shipments + "S-1,nobody,zhehang-logistics,A-1,1,V1\nS-1,,,A-2,2,V2\nS-2,zhongjian-no8,zhehang-logistics,A-3,,\n",
			nil, []string{"2/to", "3/vehicle", "4/quantity"}, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			items, total, err := Parse(context.Background(), directory{}, "fuchun-cement", c.kind, []byte(c.file), zhHeaders)
			var re *RowsError
			var me *models.Error
			switch {
			case c.tooBig:
				if !errors.Is(err, models.ErrTooLarge) {
					t.Fatalf("error %v, want ErrTooLarge", err)
				}
			case c.invalid != "":
				if !errors.As(err, &me) || me.Field != c.invalid {
					t.Fatalf("error %v, want a models.Error on %s", err, c.invalid)
				}
			case c.bad != nil:
				if !errors.As(err, &re) {
					t.Fatalf("error %v, want a RowsError", err)
				}
				var got []string
				for _, r := range re.Rows {
					got = append(got, fmt.Sprintf("%d/%s", r.Row, r.Column))
				}
				if strings.Join(got, " ") != strings.Join(c.bad, " ") || re.Total != len(c.bad) {
					t.Errorf("errors %v (total %d), want %v", got, re.Total, c.bad)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				var got [][]int
				for _, it := range items {
					got = append(got, it.Rows)
				}
				if fmt.Sprint(got) != fmt.Sprint(c.items) || total != strings.Count(strings.TrimSpace(strings.ReplaceAll(c.file, "\n\n", "\n")), "\n") {
					t.Errorf("items of rows %v (%d rows), want %v", got, total, c.items)
				}
			}
		})
	}
}

// TestItemColumn checks that a contract error on a shipment's line names
// that line's row and column.
func TestItemColumn(t *testing.T) {
	file := "code,to,carrier,batch,quantity\nS-1,zhongjian-no8,zhehang-logistics,A-1,1\nS-2,zhongjian-no8,zhehang-logistics,B-1,1\nS-1,,,A-2,2\n"
	items, _, err := Parse(context.Background(), directory{}, "fuchun-cement", Shipments, []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := items[0].Args.(contract.DispatchShipmentArgs); !ok || len(a.Lines) != 2 || a.Lines[1].Batch != "A-2" {
		t.Fatalf("first transaction %+v", items[0].Args)
	}
	for _, c := range []struct {
		field string
		row   int
		col   string
	}{{"lines[1].quantity", 4, "quantity"}, {"lines[0].batch", 2, "batch"}, {"carrier", 2, "carrier"}, {"lines[7].batch", 2, "lines[7].batch"}} {
		if row, col := items[0].Column(c.field); row != c.row || col != c.col {
			t.Errorf("Column(%q) = %d, %q; want %d, %q", c.field, row, col, c.row, c.col)
		}
	}
}

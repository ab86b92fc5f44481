package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Bulk import files: CSV, UTF-8 (a byte-order mark is fine), one header
// row naming the columns in any order. Row numbers count the header as row
// 1, as a spreadsheet shows them. Every row is checked before anything is
// submitted; one bad row stops the whole file.
const (
	maxImportBytes = 5 << 20
	maxImportRows  = 10000
	maxRowErrors   = 200 // errors listed per file; the count is always complete
)

// Import kinds.
const (
	importBatches   = "batches"
	importShipments = "shipments"
)

// importColumns lists each kind's columns; the first ones are required.
var importColumns = map[string]struct{ required, optional []string }{
	importBatches: {
		required: []string{"code", "product_id", "quantity", "produced_on"},
		optional: []string{"origin", "heat_number", "lot_number"},
	},
	// One row per shipment line; consecutive or not, rows with the same
	// code make one shipment, whose header columns (to … delivery_note)
	// are taken from its first row and may be left empty on the others.
	importShipments: {
		required: []string{"code", "to", "carrier", "batch", "quantity"},
		optional: []string{"site", "vehicle", "delivery_note", "po_id", "po_line"},
	},
}

// importTemplates are the downloadable example files.
var importTemplates = map[string]string{
	importBatches: "code,product_id,quantity,produced_on,origin,heat_number,lot_number\n" +
		"FC-2026-0401-01,po-42.5,300,2026-04-01,\"Kiln 2, Fuyang\",,L0401A\n" +
		"FC-2026-0401-02,po-42.5,285.5,2026-04-01,\"Kiln 2, Fuyang\",,L0401B\n",
	importShipments: "code,to,site,carrier,vehicle,delivery_note,batch,quantity,po_id,po_line\n" +
		"SH-0401-01,zhongjian-no8,tower-a,zhehang-logistics,浙A·12345,DN-0401-01,FC-2026-0401-01,30,PO-2026-0001,1\n" +
		"SH-0401-01,,,,,,FC-2026-0401-02,25.5,PO-2026-0001,1\n",
}

// rowError is what went wrong with one row of an import.
type rowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
	Code    string `json:"code,omitempty"` // the API error code, for failures at commit
}

// importItem is one transaction of an import and the rows it came from.
type importItem struct {
	Rows []int
	Type string
	Args any
	// column names the CSV column of a contract error field.
	column func(field string) (row int, col string)
}

// rowsError is a file that failed the check, with every row's errors.
type rowsError struct {
	Rows  []rowError
	Total int // all errors, including those not listed
	seen  map[[2]string]bool
}

func (e *rowsError) Error() string {
	return fmt.Sprintf("%d errors in the file; nothing was submitted", e.Total)
}

// add records an error, once per row and column.
func (e *rowsError) add(row int, col, format string, args ...any) {
	k := [2]string{strconv.Itoa(row), col}
	if e.seen[k] {
		return
	}
	if e.seen == nil {
		e.seen = map[[2]string]bool{}
	}
	e.seen[k] = true
	e.Total++
	if len(e.Rows) < maxRowErrors {
		e.Rows = append(e.Rows, rowError{Row: row, Column: col, Message: fmt.Sprintf(format, args...)})
	}
}

// addErr records a validation error, naming the column from its field.
func (e *rowsError) addErr(err error, column func(string) (int, string)) {
	var me *models.Error
	if !errors.As(err, &me) {
		e.add(0, "", "%v", err)
		return
	}
	row, col := column(me.Field)
	e.add(row, col, "%s", me.Message)
}

// readCSV reads a whole import file: its header and rows with their row
// numbers. A file over the limits is an errTooLarge error.
func readCSV(r io.Reader) (header []string, rows [][]string, nums []int, err error) {
	data, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return nil, nil, nil, multipartError(err, maxImportBytes)
	}
	if len(data) > maxImportBytes {
		return nil, nil, nil, fmt.Errorf("%w: the file is larger than %d MB; split it", errTooLarge, maxImportBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.TrimLeadingSpace = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, nil, &rowsError{Total: 1, Rows: []rowError{{Row: pe.StartLine, Column: "", Message: pe.Err.Error()}}}
			}
			return nil, nil, nil, models.Invalid("file", "is not a CSV file: %v", err)
		}
		line, _ := cr.FieldPos(0)
		if header == nil {
			header = rec
			continue
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(rows) == maxImportRows {
			return nil, nil, nil, fmt.Errorf("%w: the file has more than %d rows; split it", errTooLarge, maxImportRows)
		}
		rows = append(rows, rec)
		nums = append(nums, line)
	}
	if header == nil {
		return nil, nil, nil, models.Invalid("file", "is empty; the first row must name the columns")
	}
	if len(rows) == 0 {
		return nil, nil, nil, models.Invalid("file", "has a header row but no rows to import")
	}
	return header, rows, nums, nil
}

// columnIndex checks the header against kind's columns and returns each
// column's position.
func columnIndex(kind string, header []string) (map[string]int, error) {
	cols := importColumns[kind]
	known := map[string]bool{}
	for _, c := range append(append([]string{}, cols.required...), cols.optional...) {
		known[c] = true
	}
	idx := map[string]int{}
	bad := &rowsError{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !known[h]:
			bad.add(1, h, "is not a column of a %s import; the columns are %s", kind, strings.Join(append(append([]string{}, cols.required...), cols.optional...), ", "))
		case idxHas(idx, h):
			bad.add(1, h, "appears twice in the header")
		default:
			idx[h] = i
		}
	}
	for _, c := range cols.required {
		if !idxHas(idx, c) {
			bad.add(1, c, "is a required column and is missing from the header")
		}
	}
	if bad.Total > 0 {
		return nil, bad
	}
	return idx, nil
}

func idxHas(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// parseImport checks every row of an import file and returns the
// transactions to submit, or a *rowsError listing what is wrong.
func (s *Server) parseImport(ctx context.Context, u *auth.User, kind string, r io.Reader) ([]importItem, int, error) {
	if _, ok := importColumns[kind]; !ok {
		return nil, 0, models.Invalid("kind", "%q is not one of %s, %s", kind, importBatches, importShipments)
	}
	header, rows, nums, err := readCSV(r)
	if err != nil {
		return nil, 0, err
	}
	idx, err := columnIndex(kind, header)
	if err != nil {
		return nil, 0, err
	}
	get := func(rec []string, col string) string {
		if i, ok := idx[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var items []importItem
	if kind == importBatches {
		items, err = s.batchRows(ctx, u, rows, nums, get)
	} else {
		items, err = s.shipmentRows(ctx, rows, nums, get)
	}
	return items, len(rows), err
}

// batchRows turns batch rows into CommissionBatch transactions.
func (s *Server) batchRows(ctx context.Context, u *auth.User, rows [][]string, nums []int, get func([]string, string) string) ([]importItem, error) {
	bad := &rowsError{}
	all, err := s.opts.Store.Products(ctx, "")
	if err != nil {
		return nil, err
	}
	maker := map[string]string{}
	for _, p := range all {
		maker[p.ID] = p.Manufacturer
	}
	seen := map[string]int{}
	var items []importItem
	for i, rec := range rows {
		n := nums[i]
		column := func(f string) (int, string) { return n, f }
		a := contract.CommissionBatchArgs{
			Code: get(rec, "code"), ProductID: get(rec, "product_id"), ProducedOn: get(rec, "produced_on"),
			Origin: get(rec, "origin"), HeatNumber: get(rec, "heat_number"), LotNumber: get(rec, "lot_number"),
		}
		q, err := decimalField("quantity", get(rec, "quantity"))
		if err != nil {
			bad.addErr(err, column)
			continue
		}
		a.Quantity = q
		if err := a.Validate(); err != nil {
			bad.addErr(err, column)
			continue
		}
		if prev, dup := seen[a.Code]; dup {
			bad.add(n, "code", "%s is already on row %d; each batch code once", a.Code, prev)
			continue
		}
		seen[a.Code] = n
		switch m, ok := maker[a.ProductID]; {
		case !ok:
			bad.add(n, "product_id", "product %q is not registered", a.ProductID)
			continue
		case m != u.OrgID:
			bad.add(n, "product_id", "product %s belongs to %s; commission batches of your own products only", a.ProductID, m)
			continue
		}
		items = append(items, importItem{Rows: []int{n}, Type: "CommissionBatch", Args: a, column: column})
	}
	if bad.Total > 0 {
		return nil, bad
	}
	return items, nil
}

// shipmentRows groups shipment rows by code into DispatchShipment
// transactions, one line per row.
func (s *Server) shipmentRows(ctx context.Context, rows [][]string, nums []int, get func([]string, string) string) ([]importItem, error) {
	bad := &rowsError{}
	orgs, err := s.opts.Store.Organizations(ctx, "")
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, o := range orgs {
		known[o.ID] = true
	}
	type group struct {
		args contract.DispatchShipmentArgs
		rows []int
	}
	var order []string
	groups := map[string]*group{}
	broken := map[string]bool{} // groups with a row error already reported
	for i, rec := range rows {
		n := nums[i]
		code := get(rec, "code")
		before := bad.Total
		g := groups[code]
		if g == nil {
			g = &group{args: contract.DispatchShipmentArgs{Code: code, To: get(rec, "to"), Site: get(rec, "site"), Carrier: get(rec, "carrier"),
				Vehicle: get(rec, "vehicle"), DeliveryNote: get(rec, "delivery_note")}}
			groups[code] = g
			order = append(order, code)
			for _, o := range []struct{ col, id string }{{"to", g.args.To}, {"carrier", g.args.Carrier}} {
				if o.id != "" && !known[o.id] {
					bad.add(n, o.col, "organization %q is not registered", o.id)
				}
			}
		} else {
			for _, f := range []struct{ col, first string }{{"to", g.args.To}, {"site", g.args.Site}, {"carrier", g.args.Carrier}, {"vehicle", g.args.Vehicle}, {"delivery_note", g.args.DeliveryNote}} {
				if v := get(rec, f.col); v != "" && v != f.first {
					bad.add(n, f.col, "is %q but row %d of shipment %s says %q; leave it empty or repeat the first row's value", v, g.rows[0], code, f.first)
				}
			}
		}
		l := contract.DispatchLine{Batch: get(rec, "batch"), POID: get(rec, "po_id")}
		q, err := decimalField("quantity", get(rec, "quantity"))
		if err != nil {
			bad.addErr(err, func(f string) (int, string) { return n, f })
		}
		l.Quantity = q
		if t := get(rec, "po_line"); t != "" {
			if l.POLine, err = strconv.Atoi(t); err != nil {
				bad.add(n, "po_line", "%q is not a line number", t)
			}
		}
		g.rows = append(g.rows, n)
		g.args.Lines = append(g.args.Lines, l)
		if bad.Total > before {
			broken[code] = true
		}
	}
	var items []importItem
	for _, code := range order {
		g := groups[code]
		column := func(f string) (int, string) {
			if m := listField.FindStringSubmatch(f); m != nil {
				i, _ := strconv.Atoi(m[2])
				if i < len(g.rows) {
					return g.rows[i], m[3]
				}
			}
			return g.rows[0], f
		}
		if err := g.args.Validate(); err != nil {
			bad.addErr(err, column)
			continue
		}
		if broken[code] {
			continue
		}
		items = append(items, importItem{Rows: g.rows, Type: "DispatchShipment", Args: g.args, column: column})
	}
	if bad.Total > 0 {
		return nil, bad
	}
	return items, nil
}

// Package importcsv reads the bulk import files suppliers upload — CSV
// files of batches to commission or of shipments to dispatch — and turns
// every row into the contract transaction that records it, checking the
// whole file first: one bad row stops it, and every row's errors are
// listed at once. Submitting the transactions is a job of internal/app.
package importcsv

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// Bulk import files: CSV, UTF-8 (a byte-order mark is fine), one header
// row naming the columns in any order. Row numbers count the header as row
// 1, as a spreadsheet shows them. Every row is checked before anything is
// submitted; one bad row stops the whole file.
const (
	// MaxBytes bounds a file.
	MaxBytes = 5 << 20
	// MaxRows bounds a file's rows, not counting the header.
	MaxRows = 10000
	// MaxRowErrors bounds the errors listed per file; the count is
	// always complete.
	MaxRowErrors = 200
)

// Import kinds.
const (
	Batches   = "batches"
	Shipments = "shipments"
)

// Columns are the columns of one kind of file.
type Columns struct {
	Required, Optional []string
}

// Kinds lists each kind's columns.
var Kinds = map[string]Columns{
	Batches: {
		Required: []string{"code", "product_id", "quantity", "produced_on"},
		Optional: []string{"origin", "heat_number", "lot_number", "confirm_old_date"},
	},
	// One row per shipment line; consecutive or not, rows with the same
	// code make one shipment, whose header columns (to … delivery_note)
	// are taken from its first row and may be left empty on the others.
	Shipments: {
		Required: []string{"code", "to", "carrier", "batch", "quantity"},
		Optional: []string{"site", "vehicle", "delivery_note", "po_id", "po_line"},
	},
}

// Templates are the downloadable example files.
var Templates = map[string]string{
	Batches: "code,product_id,quantity,produced_on,origin,heat_number,lot_number\n" +
		"FC-2026-0401-01,po-42.5,300,2026-04-01,\"Kiln 2, Fuyang\",,L0401A\n" +
		"FC-2026-0401-02,po-42.5,285.5,2026-04-01,\"Kiln 2, Fuyang\",,L0401B\n",
	Shipments: "code,to,site,carrier,vehicle,delivery_note,batch,quantity,po_id,po_line\n" +
		"SH-0401-01,zhongjian-no8,tower-a,zhehang-logistics,浙A·12345,DN-0401-01,FC-2026-0401-01,30,PO-2026-0001,1\n" +
		"SH-0401-01,,,,,,FC-2026-0401-02,25.5,PO-2026-0001,1\n",
}

// RowError is what went wrong with one row of an import.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
	Code    string `json:"code,omitempty"` // the API error code, for failures at commit
	// MessageCode and Params are the message's stable code and parameters
	// (models.Error), from which a page says it in the reader's language.
	MessageCode string   `json:"message_code,omitempty"`
	Params      []string `json:"params,omitempty"`
	// Err is the error a row failed with at commit, for whoever turns it
	// into a Code; never sent.
	Err error `json:"-"`
}

// Item is one transaction of an import and the rows it came from.
type Item struct {
	Rows []int
	Type string
	Args any
	// column names the CSV column of a contract error field.
	column func(field string) (row int, col string)
}

// Column returns the row and the CSV column that hold the transaction's
// field, as a contract error names it ("lines[2].quantity").
func (it Item) Column(field string) (row int, col string) {
	if it.column == nil {
		return it.Rows[0], field
	}
	return it.column(field)
}

// RowsError is a file that failed the check, with every row's errors.
type RowsError struct {
	Rows  []RowError
	Total int // all errors, including those not listed
	seen  map[[2]string]bool
}

func (e *RowsError) Error() string {
	return fmt.Sprintf("%d errors in the file; nothing was submitted", e.Total)
}

// add records an error, once per row and column.
func (e *RowsError) add(row int, col, format string, args ...any) {
	code, params := models.Describe(format, args...)
	e.addMessage(RowError{Row: row, Column: col, Message: fmt.Sprintf(format, args...), MessageCode: code, Params: params})
}

// addMessage records an error, once per row and column.
func (e *RowsError) addMessage(r RowError) {
	k := [2]string{strconv.Itoa(r.Row), r.Column}
	if e.seen[k] {
		return
	}
	if e.seen == nil {
		e.seen = map[[2]string]bool{}
	}
	e.seen[k] = true
	e.Total++
	if len(e.Rows) < MaxRowErrors {
		e.Rows = append(e.Rows, r)
	}
}

// addErr records a validation error, naming the column from its field.
func (e *RowsError) addErr(err error, column func(string) (int, string)) {
	var me *models.Error
	if !errors.As(err, &me) {
		e.add(0, "", "%v", err)
		return
	}
	for _, f := range models.Fields(me) {
		row, col := column(f.Field)
		e.addMessage(RowError{Row: row, Column: col, Message: f.Message, MessageCode: f.Code, Params: f.Params})
	}
}

// readCSV reads a whole import file: its header and rows with their row
// numbers. A file over the limits is a models.ErrTooLarge error.
func readCSV(data []byte) (header []string, rows [][]string, nums []int, err error) {
	if len(data) > MaxBytes {
		return nil, nil, nil, fmt.Errorf("%w: the file is larger than %d MB; split it", models.ErrTooLarge, MaxBytes>>20)
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
				bad := &RowsError{}
				bad.add(pe.StartLine, "", "is not valid CSV: %v", pe.Err)
				return nil, nil, nil, bad
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
		if len(rows) == MaxRows {
			return nil, nil, nil, fmt.Errorf("%w: the file has more than %d rows; split it", models.ErrTooLarge, MaxRows)
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
// column's position. headers maps other names of columns (the reader's
// language's, lowercased) to their stable names.
func columnIndex(kind string, header []string, headers map[string]string) (map[string]int, error) {
	cols := Kinds[kind]
	known := map[string]bool{}
	for _, c := range append(append([]string{}, cols.Required...), cols.Optional...) {
		known[c] = true
	}
	idx := map[string]int{}
	bad := &RowsError{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if c, ok := headers[h]; ok {
			h = c
		}
		switch {
		case !known[h]:
			bad.add(1, h, "is not a column of a %s import; the columns are %s", kind, strings.Join(append(append([]string{}, cols.Required...), cols.Optional...), ", "))
		case idxHas(idx, h):
			bad.add(1, h, "appears twice in the header")
		default:
			idx[h] = i
		}
	}
	for _, c := range cols.Required {
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

// Directory is what a check reads of the read model: the registered
// products and organizations.
type Directory interface {
	Products(ctx context.Context, manufacturer string) ([]models.Product, error)
	Organizations(ctx context.Context, kind models.OrgKind) ([]models.Organization, error)
}

// Parse checks every row of an import file of kind that a user of org
// sends, and returns the transactions to submit and the number of rows, or
// a *RowsError listing what is wrong. The header names the columns by
// their stable names, or by the names in headers (lowercased other name →
// stable name: the column headers of the reader's language).
func Parse(ctx context.Context, dir Directory, org, kind string, data []byte, headers map[string]string) ([]Item, int, error) {
	if _, ok := Kinds[kind]; !ok {
		return nil, 0, models.Invalid("kind", "%q is not one of %s, %s", kind, Batches, Shipments)
	}
	header, rows, nums, err := readCSV(data)
	if err != nil {
		return nil, 0, err
	}
	idx, err := columnIndex(kind, header, headers)
	if err != nil {
		return nil, 0, err
	}
	get := func(rec []string, col string) string {
		if i, ok := idx[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var items []Item
	if kind == Batches {
		items, err = batchRows(ctx, dir, org, rows, nums, get)
	} else {
		items, err = shipmentRows(ctx, dir, rows, nums, get)
	}
	return items, len(rows), err
}

package importcsv

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// batchRows turns batch rows into CommissionBatch transactions.
func batchRows(ctx context.Context, dir Directory, org string, rows [][]string, nums []int, get func([]string, string) string) ([]Item, error) {
	bad := &RowsError{}
	all, err := dir.Products(ctx, "")
	if err != nil {
		return nil, err
	}
	maker := map[string]string{}
	for _, p := range all {
		maker[p.ID] = p.Manufacturer
	}
	seen := map[string]int{}
	var items []Item
	for i, rec := range rows {
		n := nums[i]
		column := func(f string) (int, string) { return n, f }
		a := contract.CommissionBatchArgs{
			Code: get(rec, "code"), ProductID: get(rec, "product_id"), ProducedOn: get(rec, "produced_on"),
			Origin: get(rec, "origin"), HeatNumber: get(rec, "heat_number"), LotNumber: get(rec, "lot_number"),
		}
		confirm, cerr := yes("confirm_old_date", get(rec, "confirm_old_date"))
		a.ConfirmOldDate = confirm
		q, qerr := models.DecimalField("quantity", get(rec, "quantity"))
		a.Quantity = q
		err := models.All(qerr, cerr, a.Validate())
		if err == nil {
			err = contract.CheckProductionDate("produced_on", a.ProducedOn, now(), a.ConfirmOldDate, true)
		}
		if err != nil {
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
		case m != org:
			bad.add(n, "product_id", "product %s belongs to %s; commission batches of your own products only", a.ProductID, m)
			continue
		}
		items = append(items, Item{Rows: []int{n}, Type: "CommissionBatch", Args: a, column: column})
	}
	if bad.Total > 0 {
		return nil, bad
	}
	return items, nil
}

// shipmentRows groups shipment rows by code into DispatchShipment
// transactions, one line per row.
func shipmentRows(ctx context.Context, dir Directory, rows [][]string, nums []int, get func([]string, string) string) ([]Item, error) {
	bad := &RowsError{}
	orgs, err := dir.Organizations(ctx, "")
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
		q, err := models.DecimalField("quantity", get(rec, "quantity"))
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
	var items []Item
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
		items = append(items, Item{Rows: g.rows, Type: "DispatchShipment", Args: g.args, column: column})
	}
	if bad.Total > 0 {
		return nil, bad
	}
	return items, nil
}

// listField is a contract error's field inside a list: "lines[2].quantity".
var listField = regexp.MustCompile(`^(lines|spec_limits)\[(\d+)\](?:\.([a-z_]+))?$`)

// now is the time an import's dates are checked against.
var now = time.Now

// yes reads an optional yes/no cell: empty is no.
func yes(field, s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "0", "no", "false", "否":
		return false, nil
	case "1", "yes", "true", "y", "是":
		return true, nil
	}
	return false, models.Invalid(field, "%q is not yes or no (1 or 0, true or false)", s)
}

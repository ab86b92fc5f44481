package server

import (
	"encoding/csv"

	"github.com/gin-gonic/gin"
)

// utf8BOM makes a spreadsheet (Excel on a Chinese Windows among them) read
// a CSV file as UTF-8.
const utf8BOM = "\xef\xbb\xbf"

// writePageCSV sends a CSV download of a page: a UTF-8 byte-order mark,
// the header row in the reader's language (catalogue key csv.col.<name>
// for each stable column name), then rows. The API's CSV and the import
// templates keep the stable English names.
func (s *Server) writePageCSV(c *gin.Context, filename string, head []string, rows [][]string) {
	L := s.loc(c)
	cols := make([]string, len(head))
	for i, h := range head {
		cols[i] = L.T("csv.col." + h)
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Header("Cache-Control", "private, no-store")
	_, _ = c.Writer.WriteString(utf8BOM)
	w := csv.NewWriter(c.Writer)
	_ = w.Write(cols)
	_ = w.WriteAll(rows)
}

// pageCSVColumns are the stable names of every page download's columns,
// which the catalogues translate (a test checks both have them).
var pageCSVColumns = []string{
	"week", "supplier", "product", "shipments", "quantity", "unit", "lines", "on_time", "late", "on_time_percent",
	"late_days_total", "overdue_open_lines", "inspections", "failed", "failed_percent", "batch", "custodian", "since",
	"age_days", "reason", "case", "kind", "severity", "opened_by", "target_date", "overdue", "acknowledged_orgs",
	"affected_orgs", "dispositioned_usages", "affected_usages", "minute", "groups", "transactions", "tx_per_second",
	"mean_group_size", "p50_ms", "p99_ms",
	"direction", "level", "via", "producer", "status", "lineage", "heat_number", "lot_number", "produced_on", "project",
	"building", "floor", "element", "used_at", "shown_above", "usage_id", "tx_id", "root", "path",
}

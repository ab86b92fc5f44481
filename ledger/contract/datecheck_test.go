package contract

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/models"
)

// TestProductionDateRules: contract version 4 refuses a production date
// after the transaction's day plus one and asks for a confirmation of one
// more than OldDateYears back, for a commissioned batch, a correction and
// (the future only) a transformation output; versions before it accept
// both dates, as they did, and refuse the confirmation field.
func TestProductionDateRules(t *testing.T) {
	at := time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC) // 07:30 on the 8th in Hangzhou
	n := 0
	run := func(f *fx, version int, org, typ string, args any) error {
		n++
		_, err := Execute(f.st, Call{TxID: fmt.Sprintf("txd%04d", n), Type: typ, Args: jsonOf(t, args), Org: org, User: org + "-user",
			Role: models.RoleOperator, Time: at, Version: version})
		return err
	}
	commission := func(code, date string, confirm bool) CommissionBatchArgs {
		return CommissionBatchArgs{Code: code, ProductID: cement, Quantity: dec("10"), ProducedOn: date, ConfirmOldDate: confirm}
	}
	for _, c := range []struct {
		name    string
		version int
		date    string
		confirm bool
		field   string // the refused field; "" when accepted
		msg     string
	}{
		{"today", V4, "2026-12-07", false, "", ""},
		{"tomorrow (Hangzhou's today)", V4, "2026-12-08", false, "", ""},
		{"the day after tomorrow", V4, "2026-12-09", false, "produced_on", "in the future"},
		{"next year", V4, "2027-12-07", false, "produced_on", "at most 2026-12-08"},
		{"three years ago to the day", V4, "2023-12-07", false, "", ""},
		{"more than three years ago", V4, "2023-12-06", false, "produced_on", "confirm it"},
		{"more than three years ago, confirmed", V4, "2023-12-06", true, "", ""},
		{"in the future, confirmed", V4, "2027-01-01", true, "produced_on", "in the future"},
		{"V3: in the future, as before", V3, "2027-12-07", false, "", ""},
		{"V3: long ago, as before", V3, "1999-01-01", false, "", ""},
		{"V3: no confirmation field", V3, "2026-12-01", true, "confirm_old_date", "version 4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			err := run(f, c.version, cemco, "CommissionBatch", commission("D-1", c.date, c.confirm))
			checkDateErr(t, err, c.field, c.msg)
			if c.field == "" && c.version == V4 {
				// The same rules for a correction of the date.
				for _, d := range []struct {
					date    string
					confirm bool
					field   string
				}{{"2027-01-01", false, "value"}, {"2020-01-01", false, "value"}, {"2020-01-01", true, ""}, {"2026-12-01", false, ""}} {
					err := run(f, V4, cemco, "CorrectEntry", CorrectEntryArgs{TargetKind: TargetBatch, TargetID: "D-1", Field: "produced_on",
						Value: d.date, Reason: "typo on the delivery note", ConfirmOldDate: d.confirm})
					checkDateErr(t, err, d.field, "")
				}
				if err := run(f, V4, cemco, "CorrectEntry", CorrectEntryArgs{TargetKind: TargetBatch, TargetID: "D-1", Field: "origin",
					Value: "Kiln 3", Reason: "typo", ConfirmOldDate: true}); !errors.Is(err, models.ErrInvalid) {
					t.Errorf("a confirmation on another field: %v", err)
				}
			}
		})
	}
	// A split's output keeps an old date without confirmation, but is never
	// produced in the future.
	f := newFx(t)
	old := CommissionBatchArgs{Code: "OLD-1", ProductID: rebar, Quantity: dec("10"), ProducedOn: "2020-05-01", ConfirmOldDate: true}
	if err := run(f, V4, steelco, "CommissionBatch", old); err != nil {
		t.Fatal(err)
	}
	split := func(code, date string) TransformBatchesArgs {
		return TransformBatchesArgs{Kind: TransformSplit, Inputs: []models.BatchInput{{Code: "OLD-1", Quantity: dec("4")}},
			Outputs: []TransformOutput{{Code: code, ProductID: rebar, Quantity: dec("4"), ProducedOn: date}}}
	}
	checkDateErr(t, run(f, V4, steelco, "TransformBatches", split("OLD-1.1", "2020-05-01")), "", "")
	checkDateErr(t, run(f, V4, steelco, "TransformBatches", split("OLD-1.2", "2026-12-25")), "outputs[0].produced_on", "in the future")
}

func checkDateErr(t *testing.T, err error, field, msg string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Errorf("refused: %v", err)
		}
		return
	}
	var me *models.Error
	if !errors.As(err, &me) || !errors.Is(err, models.ErrInvalid) || me.Field != field || !strings.Contains(me.Message, msg) || me.Code == "" {
		t.Errorf("got %v (%+v), want %s refused saying %q", err, me, field, msg)
	}
}

package projector

import (
	"errors"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// TestCheckFindsTampering edits, deletes and adds rows behind the
// projector's back and expects Check to name the table and record.
func TestCheckFindsTampering(t *testing.T) {
	cases := []struct {
		name       string
		sql        string
		table, key string
		what       string // part of Mismatch.What
		seq        bool   // Mismatch.Seq must be set
	}{
		{"edited batch field", `UPDATE rm_batches SET status = 'available' WHERE code = 'AGG-1'`,
			"rm_batches", "batch/AGG-1", "field status", true},
		{"edited quantity", `UPDATE rm_batches SET remaining = remaining + 1 WHERE code = 'CON-1'`,
			"rm_batches", "batch/CON-1", "field remaining", true},
		{"edited lineage edge", `UPDATE rm_lineage_edges SET quantity = 1 WHERE child = 'BAR-2'`,
			"rm_batches", "batch/BAR-2", "field parents", true},
		{"deleted document link", `DELETE FROM rm_batch_documents WHERE batch_code = 'CEM-1'`,
			"rm_batches", "batch/CEM-1", "field documents", true},
		{"missing usage", `DELETE FROM rm_usages WHERE batch_code = 'BAR-1'`,
			"rm_usages", "usage/", "missing", false},
		{"extra shipment", `INSERT INTO rm_shipments (code, from_org, to_org, status, seq) VALUES ('SH-9', 'cemco', 'buildco', 'in_transit', 3)`,
			"rm_shipments", "shipment/SH-9", "not in the ledger", true},
		{"extra first organization", `INSERT INTO rm_organizations (id, name, kind, seq) VALUES ('aaa', 'Ghost', 'carrier', 1)`,
			"rm_organizations", "org/aaa", "not in the ledger", true},
		{"extra last batch", `INSERT INTO rm_batches (code, product_id, status, seq) VALUES ('ZZZ', 'c30', 'available', 2)`,
			"rm_batches", "batch/ZZZ", "not in the ledger", true},
		{"edited shipment line", `UPDATE rm_shipment_lines SET rejected = 0 WHERE shipment = 'SH-4'`,
			"rm_shipments", "shipment/SH-4", "field lines", true},
		{"extra measurement", `INSERT INTO rm_measurements (inspection_id, pos, property, value, pass) SELECT id, 9, 'slump', 1, true FROM rm_inspections WHERE batch_code = 'CON-1'`,
			"rm_inspections", "inspection/", "field results", true},
		{"edited recall affected", `DELETE FROM rm_recall_affected WHERE batch_code = 'BAR-2'`,
			"rm_recalls", "recall/", "field affected", true},
		{"edited correction", `UPDATE rm_corrections SET new_value = 'slab S9'`,
			"rm_corrections", "correction/", "field new_value", true},
		{"orphan edge", `INSERT INTO rm_lineage_edges (parent, child, pos, quantity, kind, seq) VALUES ('HEAT-1', 'GHOST', 0, 1, 'split', 5)`,
			"rm_lineage_edges", "batch/GHOST", "record that is not", false},
		{"missing event", `DELETE FROM rm_events WHERE seq = 7`,
			"rm_events", "", "event 7 is missing", true},
		{"checkpoint moved back", `UPDATE rm_checkpoint SET seq = 3`,
			"rm_checkpoint", "", "checkpoint is 3", true},
	}
	dbtest.Each(t, func(t *testing.T, dialect string) {
		for _, tc := range cases {
			t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
				e := newEnv(t, dialect)
				e.applyDirect(e.c.events, 10)
				if err := e.check(); err != nil {
					t.Fatalf("Check before tampering: %v", err)
				}
				if err := e.db.Exec(tc.sql).Error; err != nil {
					t.Fatalf("tamper: %v", err)
				}
				err := e.check()
				var m *store.Mismatch
				if !errors.As(err, &m) || !errors.Is(err, models.ErrTampered) {
					t.Fatalf("Check after %s: %v, want a *Mismatch wrapping ErrTampered", tc.name, err)
				}
				if m.Table != tc.table || !strings.HasPrefix(m.Key, tc.key) || !strings.Contains(m.What, tc.what) {
					t.Fatalf("Check after %s: %+v, want table %s, key %s…, what containing %q", tc.name, *m, tc.table, tc.key, tc.what)
				}
				if tc.seq && m.Seq == 0 {
					t.Fatalf("Check after %s: %+v has no Seq", tc.name, *m)
				}
			})
		}
	})
}

// TestCheckAgainstOtherState compares the read model with a world state
// that differs from the one it was projected from.
func TestCheckAgainstOtherState(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		n := len(e.c.events)
		e.applyDirect(e.c.events[:n-1], 50) // everything but the recall
		err := e.st.Check(e.ctx, e.head(), e.c.state())
		var m *store.Mismatch
		if !errors.As(err, &m) || m.Table != "rm_batches" || m.Key != "batch/BAR-1" || !strings.Contains(m.What, "hold_reason") {
			t.Fatalf("Check of a read model one event behind: %v", err)
		}
		if err := e.st.Check(e.ctx, uint64(n-1), e.c.state()); err == nil {
			t.Fatal("Check with the wrong head passed")
		}
		// World-state keys out of order are the caller's error, not tampering.
		v, _ := e.c.st.Get("org/buildco")
		bad := func(yield func(string, []byte) bool) {
			_ = yield("org/buildco", v) && yield("org/buildco", v)
		}
		if err := e.st.Check(e.ctx, e.head(), bad); err == nil || errors.Is(err, models.ErrTampered) {
			t.Fatalf("Check over unordered keys: %v", err)
		}
	})
}

// TestContractVersionsProjectAlike: contract version 2 writes GTIN index
// keys beside the records; the projector skips them and the read-model
// check ignores them, so both versions give the same read model and both
// pass the check.
func TestContractVersionsProjectAlike(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		var dumps []string
		for _, v := range []int{contract.V1, contract.V2} {
			e := newEnv(t, dialect)
			e.c = supplyChainAt(t, v)
			indexed := false
			for _, ev := range e.c.events {
				for _, w := range ev.Writes {
					indexed = indexed || strings.HasPrefix(w.Key, models.PrefixGTIN) || w.Key == models.KeyGTINIndexed
				}
			}
			if indexed != (v == contract.V2) {
				t.Fatalf("version %d: GTIN index written: %v", v, indexed)
			}
			e.project(e.c.events)
			if err := e.check(); err != nil {
				t.Fatalf("version %d: Check: %v", v, err)
			}
			dumps = append(dumps, e.dump())
		}
		if dumps[0] != dumps[1] {
			t.Fatal("versions 1 and 2 project different read models")
		}
	})
}

package contract

import (
	"slices"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

func TestRecallBatch(t *testing.T) {
	// RB-1 (50) → RB-1.1 (20, shipped to buildco) → CUT-1, CUT-2 (split);
	// RB-1.1 and CEM-1 are both inputs of nothing else. CUT-2 was already
	// recalled on its own in one case.
	family := func(f *fx) {
		f.commission("RB-1", rebar, "50")
		f.ship("SH-1", steelco, "RB-1", "20")
		f.receiveAll("SH-1")
		f.ok(buildco, operator, "TransformBatches", TransformBatchesArgs{Kind: TransformSplit,
			Inputs: []models.BatchInput{{Code: "RB-1.1", Quantity: dec("20")}},
			Outputs: []TransformOutput{
				{Code: "CUT-1", ProductID: rebar, Quantity: dec("10"), ProducedOn: "2025-03-02"},
				{Code: "CUT-2", ProductID: rebar, Quantity: dec("10"), ProducedOn: "2025-03-02"},
			}})
	}
	recall := func(batch string) RecallBatchArgs {
		return RecallBatchArgs{Batch: batch, Reason: "yield strength below spec", Severity: SeverityHigh}
	}
	affected := func(f *fx) []string {
		var rc models.Recall
		f.load("", f.st.keys(models.PrefixRecall)[0], &rc)
		return rc.Affected
	}
	runRules(t, []rule{
		{name: "producer recalls the batch and every descendant", setup: family, org: steelco, role: operator, typ: "RecallBatch", args: recall("RB-1"),
			check: func(t *testing.T, f *fx) {
				if got, want := affected(f), []string{"RB-1", "RB-1.1", "CUT-1", "CUT-2"}; !slices.Equal(got, want) {
					t.Errorf("affected %v, want %v", got, want)
				}
				for _, c := range []string{"RB-1", "RB-1.1", "CUT-1", "CUT-2"} {
					if b := f.batch(c); b.Status != models.StatusRecalled || !strings.Contains(b.HoldReason, "yield strength below spec") {
						t.Errorf("batch %+v", b)
					}
				}
			}},
		{name: "already recalled descendants are not listed again", setup: func(f *fx) {
			family(f)
			f.ok(qalab, inspector, "RecallBatch", recall("CUT-2"))
		}, org: gov, role: admin, typ: "RecallBatch", args: recall("RB-1"),
			check: func(t *testing.T, f *fx) {
				var rc models.Recall
				ks := f.st.keys(models.PrefixRecall)
				f.load("", ks[len(ks)-1], &rc)
				if want := []string{"RB-1", "RB-1.1", "CUT-1"}; !slices.Equal(rc.Affected, want) || rc.Org != gov || rc.Severity != SeverityHigh {
					t.Errorf("recall %+v", rc)
				}
			}},
		{name: "inspection agency recalls", setup: family, org: qalab, role: inspector, typ: "RecallBatch", args: recall("CUT-1"),
			check: func(t *testing.T, f *fx) {
				if got := affected(f); !slices.Equal(got, []string{"CUT-1"}) {
					t.Errorf("affected %v", got)
				}
			}},
		{name: "already recalled", setup: func(f *fx) { family(f); f.ok(steelco, admin, "RecallBatch", recall("RB-1")) },
			org: gov, role: admin, typ: "RecallBatch", args: recall("RB-1"), kind: models.ErrConflict, field: "batch", msg: "already recalled"},
		{name: "authority operator may not", setup: family, org: gov, role: operator, typ: "RecallBatch", args: recall("RB-1"),
			kind: models.ErrForbidden, msg: "operator role may not recall batches (allowed: admin)"},
		{name: "another manufacturer may not", setup: family, org: cemco, role: admin, typ: "RecallBatch", args: recall("RB-1"),
			kind: models.ErrForbidden, msg: "only the producer of batch RB-1 (steelco)"},
		{name: "contractor holding it may not", setup: family, org: buildco, role: admin, typ: "RecallBatch", args: recall("RB-1.1"),
			kind: models.ErrForbidden, msg: "only the producer"},
		{name: "producer viewer may not", setup: family, org: steelco, role: viewer, typ: "RecallBatch", args: recall("RB-1"),
			kind: models.ErrForbidden, msg: "viewer role"},
		{name: "unknown severity", setup: family, org: gov, role: admin, typ: "RecallBatch",
			args: RecallBatchArgs{Batch: "RB-1", Reason: "x", Severity: "urgent"}, kind: models.ErrInvalid, field: "severity"},
		{name: "reason required", setup: family, org: gov, role: admin, typ: "RecallBatch",
			args: RecallBatchArgs{Batch: "RB-1", Severity: SeverityLow}, kind: models.ErrInvalid, field: "reason"},
		{name: "unknown batch", setup: family, org: gov, role: admin, typ: "RecallBatch", args: recall("RB-9"),
			kind: models.ErrNotFound, field: "batch"},
	})
}

func TestAttachDocument(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	doc := func(batch, sha string) AttachDocumentArgs {
		return AttachDocumentArgs{Batch: batch, Document: DocumentArgs{SHA256: sha, Name: "mill cert.pdf", MediaType: "application/pdf",
			Size: 2048, Kind: models.DocMillTest, Visibility: models.Public}}
	}
	base := func(f *fx) { f.commission("RB-1", rebar, "50"); f.ship("SH-1", steelco, "RB-1", "50") }
	runRules(t, []rule{
		{name: "producer attaches", setup: base, org: steelco, role: operator, typ: "AttachDocument", args: doc("RB-1", sha),
			check: func(t *testing.T, f *fx) {
				var d models.Document
				f.load(models.PrefixDocument, sha, &d)
				if d.Owner != steelco || d.BatchCode != "RB-1" || d.Size != 2048 || d.TxID == "" {
					t.Errorf("doc %+v", d)
				}
				if b := f.batch("RB-1"); !slices.Equal(b.Documents, []string{sha}) {
					t.Errorf("batch docs %v", b.Documents)
				}
			}},
		{name: "custodian (carrier) attaches", setup: base, org: haul, role: operator, typ: "AttachDocument", args: doc("RB-1", sha)},
		{name: "any inspection agency attaches", setup: base, org: qalab, role: inspector, typ: "AttachDocument", args: doc("RB-1", sha)},
		{name: "the same document on a second batch keeps its first record", setup: func(f *fx) {
			base(f)
			f.commission("RB-2", rebar, "5")
			f.ok(steelco, operator, "AttachDocument", doc("RB-1", sha))
		}, org: steelco, role: operator, typ: "AttachDocument", args: doc("RB-2", sha),
			check: func(t *testing.T, f *fx) {
				var d models.Document
				f.load(models.PrefixDocument, sha, &d)
				if d.BatchCode != "RB-1" || len(f.batch("RB-2").Documents) != 1 {
					t.Errorf("doc %+v", d)
				}
			}},
		{name: "same document twice on a batch", setup: func(f *fx) { base(f); f.ok(steelco, operator, "AttachDocument", doc("RB-1", sha)) },
			org: steelco, role: operator, typ: "AttachDocument", args: doc("RB-1", sha),
			kind: models.ErrConflict, field: "document.sha256", msg: "already attached"},
		{name: "uninvolved org", setup: base, org: cemco, role: admin, typ: "AttachDocument", args: doc("RB-1", sha),
			kind: models.ErrForbidden, msg: "cemco is not involved with batch RB-1"},
		{name: "viewer may not", setup: base, org: steelco, role: viewer, typ: "AttachDocument", args: doc("RB-1", sha),
			kind: models.ErrForbidden, msg: "viewer role"},
		{name: "uppercase hash", setup: base, org: steelco, role: operator, typ: "AttachDocument", args: doc("RB-1", strings.ToUpper(sha)),
			kind: models.ErrInvalid, field: "document.sha256", msg: "64 lowercase hexadecimal"},
		{name: "zero size", setup: base, org: steelco, role: operator, typ: "AttachDocument",
			args: AttachDocumentArgs{Batch: "RB-1", Document: DocumentArgs{SHA256: sha, Name: "x", MediaType: "a/b", Kind: models.DocPhoto, Visibility: models.Private}},
			kind: models.ErrInvalid, field: "document.size"},
		{name: "unknown kind", setup: base, org: steelco, role: operator, typ: "AttachDocument",
			args: AttachDocumentArgs{Batch: "RB-1", Document: DocumentArgs{SHA256: sha, Name: "x", MediaType: "a/b", Size: 1, Kind: "invoice", Visibility: models.Private}},
			kind: models.ErrInvalid, field: "document.kind", msg: "mill_test_certificate"},
		{name: "unknown visibility", setup: base, org: steelco, role: operator, typ: "AttachDocument",
			args: AttachDocumentArgs{Batch: "RB-1", Document: DocumentArgs{SHA256: sha, Name: "x", MediaType: "a/b", Size: 1, Kind: models.DocPhoto, Visibility: "secret"}},
			kind: models.ErrInvalid, field: "document.visibility"},
		{name: "unknown batch", setup: base, org: qalab, role: inspector, typ: "AttachDocument", args: doc("RB-9", sha),
			kind: models.ErrNotFound, field: "batch"},
	})
}

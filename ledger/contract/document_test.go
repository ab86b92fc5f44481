package contract

import (
	"slices"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

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

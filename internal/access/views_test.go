package access

import (
	"reflect"
	"slices"
	"testing"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// TestPublicBatch: an uninvolved viewer sees a recall's reason but not a
// hold's, and only the hashes of public documents; everything else of the
// batch stays.
func TestPublicBatch(t *testing.T) {
	docs := []models.Document{{SHA256: "pub", Visibility: models.Public}, {SHA256: "priv", Visibility: models.Private}}
	base := models.Batch{Code: "B1", Producer: "p", Origin: "Anji", Documents: []string{"pub", "priv", "unknown"}, HoldReason: "notes of a failed test"}
	for _, c := range []struct {
		status     models.BatchStatus
		wantReason string
	}{
		{models.StatusOnHold, ""},
		{models.StatusAvailable, ""},
		{models.StatusRecalled, "notes of a failed test"},
	} {
		b := base
		b.Status = c.status
		b.Documents = slices.Clone(base.Documents)
		got := PublicBatch(b, docs)
		want := b
		want.HoldReason, want.Documents = c.wantReason, []string{"pub"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", c.status, got, want)
		}
		if len(b.Documents) != 3 {
			t.Error("PublicBatch modified the batch's documents")
		}
	}
	if got := PublicBatch(models.Batch{}, nil).Documents; got == nil || len(got) != 0 {
		t.Errorf("no documents: %#v, want an empty list", got)
	}
}

// TestDocumentAndInspection: private documents, measurements and notes
// are for the involved; public documents, verdicts and conditions for all.
func TestDocumentAndInspection(t *testing.T) {
	for _, c := range []struct {
		vis      models.Visibility
		involved bool
		want     bool
	}{
		{models.Public, false, true}, {models.Public, true, true},
		{models.Private, false, false}, {models.Private, true, true},
		{"", false, false},
	} {
		if got := Document(models.Document{Visibility: c.vis}, c.involved); got != c.want {
			t.Errorf("Document(%q, involved %v) = %v", c.vis, c.involved, got)
		}
	}
	in := models.Inspection{ID: "i", Type: "strength_28d", Verdict: models.VerdictConditional, Condition: "retest", Notes: "n",
		Results: []models.Measurement{{Property: "slump"}}, Documents: []string{"h"}, Agency: "a"}
	if got := Inspection(in, true); !reflect.DeepEqual(got, in) {
		t.Errorf("involved: %+v", got)
	}
	want := in
	want.Results, want.Notes = nil, ""
	if got := Inspection(in, false); !reflect.DeepEqual(got, want) {
		t.Errorf("not involved: %+v, want %+v", got, want)
	}
}

// TestPublicEntryFollowsContract: access answers from the contract's
// declaration, for every transaction type.
func TestPublicEntryFollowsContract(t *testing.T) {
	public := []string{}
	for _, typ := range contract.Types() {
		if PublicEntry(typ, []byte(`{"document":{"visibility":"public"}}`)) != contract.PublicEntry(typ, []byte(`{"document":{"visibility":"public"}}`)) {
			t.Errorf("%s: access and contract disagree", typ)
		}
		if PublicEntry(typ, []byte(`{}`)) {
			public = append(public, typ)
		}
	}
	want := []string{"CommissionBatch", "ContinueLog", "RecallBatch", "RegisterOrganization", "RegisterProduct", "TransformBatches"}
	if !slices.Equal(public, want) {
		t.Errorf("public entry types: %q, want %q", public, want)
	}
}

package contract

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// argTypes are the argument structs of every transaction type, for
// checking the privacy declaration's paths against them.
var argTypes = map[string]any{
	"RegisterOrganization": RegisterOrganizationArgs{},
	"RegisterProduct":      RegisterProductArgs{},
	"CommissionBatch":      CommissionBatchArgs{},
	"CreatePurchaseOrder":  CreatePurchaseOrderArgs{},
	"DispatchShipment":     DispatchShipmentArgs{},
	"ReceiveShipment":      ReceiveShipmentArgs{},
	"RecordInspection":     RecordInspectionArgs{},
	"ReleaseHold":          ReleaseHoldArgs{},
	"RecordUsage":          RecordUsageArgs{},
	"TransformBatches":     TransformBatchesArgs{},
	"RecallBatch":          RecallBatchArgs{},
	"AttachDocument":       AttachDocumentArgs{},
	"CorrectEntry":         CorrectEntryArgs{},
	"OpenCase":             OpenCaseArgs{},
	"AcknowledgeCase":      AcknowledgeCaseArgs{},
	"RecordDisposition":    RecordDispositionArgs{},
	"ContinueLog":          ContinueLogArgs{},
}

// TestPrivacyEveryType: every transaction type of the dispatch table has a
// privacy declaration (even if nothing in it is private), and nothing
// else has one.
func TestPrivacyEveryType(t *testing.T) {
	for _, typ := range Types() {
		if _, ok := PrivacyOf(typ); !ok {
			t.Errorf("transaction type %s has no privacy declaration in privacy.go", typ)
		}
		if _, ok := argTypes[typ]; !ok {
			t.Errorf("transaction type %s is missing from this test's argTypes", typ)
		}
	}
	for typ := range privacy {
		if !slices.Contains(Types(), typ) {
			t.Errorf("privacy.go declares %s, which is not a transaction type", typ)
		}
	}
	if _, ok := PrivacyOf("NoSuchType"); ok {
		t.Error("an unknown type has a declaration")
	}
}

// TestPrivacyPathsExist: every declared path, and every Unless path, names
// a JSON field of the type's arguments, so a renamed field cannot leave
// the declaration pointing at nothing.
func TestPrivacyPathsExist(t *testing.T) {
	for typ, p := range privacy {
		at, ok := argTypes[typ]
		if !ok {
			continue
		}
		rt := reflect.TypeOf(at)
		seen := map[string]bool{}
		for _, f := range p.Private {
			if seen[f.Path] {
				t.Errorf("%s: %s is declared twice", typ, f.Path)
			}
			seen[f.Path] = true
			if !hasPath(rt, f.Path) {
				t.Errorf("%s: %s is not a field of %s", typ, f.Path, rt.Name())
			}
			if f.Unless != nil && !hasPath(rt, f.Unless.Path) {
				t.Errorf("%s: the condition's %s is not a field of %s", typ, f.Unless.Path, rt.Name())
			}
		}
	}
}

// hasPath reports whether the dotted JSON path names a field of t, going
// through pointers and into lists' elements.
func hasPath(t reflect.Type, path string) bool {
	for _, name := range strings.Split(path, ".") {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return false
		}
		found := false
		for i := range t.NumField() {
			f := t.Field(i)
			if strings.Split(f.Tag.Get("json"), ",")[0] == name {
				t, found = f.Type, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// TestPublicEntry pins which entries anyone may read whole: registrations,
// commissioning (a file's hash reveals nothing), transformations, recalls
// and public documents; nothing else, and nothing unreadable.
func TestPublicEntry(t *testing.T) {
	for _, c := range []struct {
		typ, args string
		want      bool
	}{
		{"RegisterOrganization", `{"organization":{"id":"a"}}`, true},
		{"RegisterProduct", `{"product":{"id":"p"}}`, true},
		{"CommissionBatch", `{"code":"B1","documents":["ab"]}`, true},
		{"CommissionBatch", `not json`, true}, // nothing in it needs reading
		{"TransformBatches", `{"kind":"split"}`, true},
		{"RecallBatch", `{"batch":"B1","reason":"cube strength"}`, true},
		{"AttachDocument", `{"batch":"B1","document":{"visibility":"public","name":"cert.pdf"}}`, true},
		{"AttachDocument", `{"batch":"B1","document":{"visibility":"private","name":"test.pdf"}}`, false},
		{"AttachDocument", `{"batch":"B1","document":{"name":"x.pdf"}}`, false},
		{"AttachDocument", `{"batch":"B1","document":"public"}`, false},
		{"AttachDocument", `not json`, false},
		{"CreatePurchaseOrder", `{"id":"PO1"}`, false},
		{"DispatchShipment", `{"code":"S1"}`, false},
		{"ReceiveShipment", `{"shipment":"S1"}`, false},
		{"RecordInspection", `{"batch":"B1","verdict":"pass"}`, false},
		{"ReleaseHold", `{"batch":"B1","reason":"retested"}`, false},
		{"RecordUsage", `{"batch":"B1"}`, false},
		{"CorrectEntry", `{"target_kind":"batch","field":"origin","value":"x","reason":"typo"}`, false},
		{"OpenCase", `{"kind":"recall"}`, false},
		{"AcknowledgeCase", `{"case":"c"}`, false},
		{"RecordDisposition", `{"case":"c"}`, false},
		{"NoSuchType", `{}`, false},
	} {
		if got := PublicEntry(c.typ, []byte(c.args)); got != c.want {
			t.Errorf("PublicEntry(%s, %s) = %v, want %v", c.typ, c.args, got, c.want)
		}
	}
}

// TestPrivateFields: the conditions exempt exactly the entries they name.
func TestPrivateFields(t *testing.T) {
	for _, c := range []struct {
		typ, args string
		want      []string
	}{
		{"RecordInspection", `{}`, []string{"results", "condition", "notes", "documents"}},
		{"AttachDocument", `{"document":{"visibility":"public"}}`, nil},
		{"AttachDocument", `{"document":{"visibility":"private"}}`, []string{"document.sha256", "document.name", "document.media_type", "document.size"}},
		{"CorrectEntry", `{"target_kind":"batch"}`, []string{"reason"}},
		{"CorrectEntry", `{"target_kind":"usage"}`, []string{"value", "reason"}},
		{"CorrectEntry", `garbage`, []string{"value", "reason"}},
		{"OpenCase", `{"kind":"recall"}`, []string{"usages"}},
		{"OpenCase", `{"kind":"non_conformance"}`, []string{"reason", "usages"}},
		{"RecallBatch", `{}`, nil},
		{"NoSuchType", `{}`, nil},
	} {
		if got := PrivateFields(c.typ, []byte(c.args)); !slices.Equal(got, c.want) {
			t.Errorf("PrivateFields(%s, %s) = %q, want %q", c.typ, c.args, got, c.want)
		}
	}
}

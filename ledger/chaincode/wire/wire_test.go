package wire

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/plumbline/plumbline/models"
)

// TestErrorRoundTrip: every kind survives encoding inside Fabric's text.
func TestErrorRoundTrip(t *testing.T) {
	for _, kind := range []error{models.ErrInvalid, models.ErrNotFound, models.ErrConflict, models.ErrForbidden, models.ErrTampered} {
		in := &models.Error{Kind: kind, Field: "lines[2].quantity", Message: `exceeds "remaining" 3.000`, Code: "more_than_remaining", Params: []string{"5", "t", `"3.000"`},
			More: []*models.Error{{Kind: models.ErrInvalid, Field: "lines[3].batch", Message: "is required", Code: "required"}}}
		msg := fmt.Sprintf("rpc error: code = Aborted desc = chaincode response 500, %s (peer0)", EncodeError(in))
		got, ok := DecodeError(msg)
		if !ok || !errors.Is(got, kind) || got.Field != in.Field || got.Message != in.Message || got.Code != in.Code || !slices.Equal(got.Params, in.Params) ||
			len(got.More) != 1 || got.More[0].Field != "lines[3].batch" || got.More[0].Code != "required" {
			t.Fatalf("%v: decoded %+v, %v", kind, got, ok)
		}
	}
	if _, ok := DecodeError("chaincode response 500, boom"); ok {
		t.Fatal("decoded an error from plain text")
	}
	if got := EncodeError(errors.New("plain")); got != "plain" {
		t.Fatalf("plain error encoded as %q", got)
	}
}

// TestNamespaceKey: the main namespace keeps keys as they are.
func TestNamespaceKey(t *testing.T) {
	if NamespaceKey("", "org/a") != "org/a" || NamespaceKey("t1", "org/a") != "~ns/t1/org/a" {
		t.Fatal("namespace keys")
	}
	if ValidateNamespace("a/b") == nil || ValidateNamespace("") != nil {
		t.Fatal("namespace validation")
	}
}

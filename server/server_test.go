package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/models"
)

type head struct {
	n   uint64
	err error
}

func (h head) Head(context.Context) (uint64, error) { return h.n, h.err }

type applied uint64

func (a applied) Applied() uint64 { return uint64(a) }

func TestHealthz(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ledger head
		want   int
	}{
		{"ok", head{n: 42}, http.StatusOK},
		{"ledger down", head{err: errors.New("disk gone")}, http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(New(Options{Ledger: tc.ledger, Projector: applied(40)}).Handler())
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if tc.want == http.StatusOK && (body["ledger_head"] != float64(42) || body["projected"] != float64(40)) {
				t.Fatalf("body %v", body)
			}
		})
	}
}

func TestFailMapsKinds(t *testing.T) {
	for _, tc := range []struct {
		err   error
		want  int
		field string
	}{
		{models.Invalid("lines[0].quantity", "must be above zero"), 422, "lines[0].quantity"},
		{fmt.Errorf("submit: %w", models.NotFound("batch", "batch %q does not exist", "X")), 404, "batch"},
		{models.Conflict("", "batch X is recalled"), 409, ""},
		{models.Forbidden("a carrier organization may not commission batches"), 403, ""},
		{errors.New("database on fire"), 500, ""},
	} {
		s := New(Options{Ledger: head{}})
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/x", nil)
		s.fail(c, tc.err)
		if w.Code != tc.want {
			t.Errorf("%v: status %d, want %d", tc.err, w.Code, tc.want)
		}
		var body struct{ Error apiError }
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		if body.Error.Field != tc.field || body.Error.Message == "" {
			t.Errorf("%v: body %+v", tc.err, body)
		}
		if tc.want == 500 && body.Error.Message == tc.err.Error() {
			t.Errorf("internal error details leaked: %q", body.Error.Message)
		}
	}
}

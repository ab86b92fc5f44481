package server

import (
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/models"
)

// TestCheckerPerViewer: a request keeps its access checker for later
// calls about the same viewer, and never answers for one organization
// with the checker made for another.
func TestCheckerPerViewer(t *testing.T) {
	f := newFixture(t, false)
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", "/", nil)
	a := &models.Organization{ID: "org-a", Kind: models.KindContractor}
	b := &models.Organization{ID: "org-b", Kind: models.KindAuthority}
	first := f.srv.checker(c, a)
	if again := f.srv.checker(c, a); again != first {
		t.Error("a second call for the same viewer made a new checker")
	}
	if other := f.srv.checker(c, b); other.Viewer().Org != "org-b" || !other.Viewer().SeesAll() {
		t.Errorf("the checker for org-b is %+v", other.Viewer())
	}
	if pub := f.srv.checker(c, nil); !pub.Viewer().Public() {
		t.Errorf("the checker for the public is %+v", pub.Viewer())
	}
}

package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// TestUsageFormSaysWhenItCannotSucceed: the record-usage form of a batch
// with nothing left says so, in the reader's language, with its button
// disabled, before anyone fills it; a usable batch's form does not.
func TestUsageFormSaysWhenItCannotSucceed(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	pick := func(status models.BatchStatus) string {
		t.Helper()
		pg, err := f.store.Batches(ctx, store.BatchFilter{Custodian: "zhongjian-no8", Status: status, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range pg.Items {
			if status != models.StatusAvailable || b.Inspection.Usable() {
				return b.Code
			}
		}
		t.Fatalf("no %s batch held by zhongjian-no8", status)
		return ""
	}
	c := f.login(t, "zhongjian-no8.operator")
	empty, usable := pick(models.StatusDepleted), pick(models.StatusAvailable)
	for lang, says := range map[string]string{"en": "Nothing of this batch is left", "zh-CN": "此批次已无剩余可用"} {
		c.get(t, "/login?lang="+lang)
		code, page := c.get(t, "/usages/new?batch="+empty)
		if code != http.StatusOK || !strings.Contains(page, `id="usage-blocked"`) || !strings.Contains(page, says) || !strings.Contains(page, `id="usage-submit" disabled`) {
			t.Errorf("%s: the form of a used-up batch: %d, no %q with the button disabled", lang, code, says)
		}
	}
	if code, page := c.get(t, "/usages/new?batch="+usable); code != http.StatusOK || strings.Contains(page, `id="usage-blocked"`) || strings.Contains(page, `id="usage-submit" disabled`) {
		t.Errorf("the form of a usable batch: %d, blocked", code)
	}
}

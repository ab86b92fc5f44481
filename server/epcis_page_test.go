package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestEPCISPage: a supplier uploads a document on /epcis and watches it on
// its job page; a document that breaks the schema comes back with every
// pointer listed; a viewer gets the export links but no form.
func TestEPCISPage(t *testing.T) {
	f := newFixture(t, true)
	cf := findCaptureFacts(t, f)
	c := f.login(t, "fuchun-cement.operator")
	code, body := c.get(t, "/epcis")
	if code != http.StatusOK || !strings.Contains(body, `id="capture-form"`) || !strings.Contains(body, `href="/epcis"`) {
		t.Fatalf("/epcis: %d", code)
	}
	raw, _ := json.Marshal(captureDoc(cf.commission("PAGE-1")))
	code, body, loc := c.postMultipart(t, "/epcis", url.Values{"behaviour": {"rollback"}}, filePart{field: "file", name: "doc.jsonld", data: raw})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/epcis/capture/") {
		t.Fatalf("upload: %d %s %s", code, loc, body)
	}
	code, body = c.get(t, loc)
	if code != http.StatusOK || !strings.Contains(body, "Every event is on the ledger") || !strings.Contains(body, "CommissionBatch") || !strings.Contains(body, "epcis.js") {
		t.Errorf("job page: %d\n%s", code, body)
	}
	code, body = c.get(t, "/epcis")
	if code != http.StatusOK || !strings.Contains(body, strings.TrimPrefix(loc, "/epcis/capture/")) {
		t.Errorf("the capture is not listed on /epcis")
	}

	bad := strings.Replace(string(raw), `"TNE"`, `"tonnes"`, 1)
	code, body, _ = c.postMultipart(t, "/epcis", url.Values{"behaviour": {"rollback"}}, filePart{field: "file", name: "doc.jsonld", data: []byte(bad)})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="schema-errors"`) || !strings.Contains(body, "/epcisBody/eventList/0/quantityList/0/uom") {
		t.Errorf("schema error page: %d", code)
	}
	code, body, _ = c.postMultipart(t, "/epcis", url.Values{"behaviour": {"rollback"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-file"`) {
		t.Errorf("no file: %d", code)
	}
	code, _, _ = c.postMultipart(t, "/epcis", url.Values{"behaviour": {"maybe"}}, filePart{field: "file", name: "doc.jsonld", data: raw})
	if code != http.StatusUnprocessableEntity {
		t.Errorf("bad behaviour: %d", code)
	}
	// 中文
	code, body = c.get(t, "/epcis?lang=zh-CN")
	if code != http.StatusOK || !strings.Contains(body, "数据交换") {
		t.Errorf("Chinese page: %d", code)
	}

	v := f.login(t, "fuchun-cement.viewer")
	code, body = v.get(t, "/epcis")
	if code != http.StatusOK || strings.Contains(body, `id="capture-form"`) || !strings.Contains(body, `id="epcis-export"`) {
		t.Errorf("viewer page: %d", code)
	}
	if code, _ := v.get(t, loc); code != http.StatusOK {
		t.Errorf("a viewer of the same organization cannot see its captures: %d", code)
	}
	o := f.login(t, "zhongjian-no8.operator")
	if code, _ := o.get(t, loc); code != http.StatusNotFound {
		t.Errorf("another organization sees the capture: %d", code)
	}
}

// TestEPCISRejectionsInTheReadersLanguage: a rejected event's message on
// the capture page is in the reader's language.
func TestEPCISRejectionsInTheReadersLanguage(t *testing.T) {
	f := newFixture(t, true)
	cf := findCaptureFacts(t, f)
	existing := f.orgBatch(t, "fuchun-cement").Code
	raw, _ := json.Marshal(captureDoc(cf.commission(existing))) // a batch code that is taken
	c := f.login(t, "fuchun-cement.operator")
	c.get(t, "/?lang=zh-CN")
	code, body, loc := c.postMultipart(t, "/epcis", url.Values{"behaviour": {"proceed"}}, filePart{field: "file", name: "doc.jsonld", data: raw})
	if code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", code, body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body = c.get(t, loc)
		if strings.Contains(body, "outcome-rejected") || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	i := strings.Index(body, `class="outcome-rejected"`)
	if code != http.StatusOK || i < 0 {
		t.Fatalf("no rejected event: %d", code)
	}
	row := body[i:]
	row = row[:strings.Index(row, "</tr>")]
	row = row[strings.LastIndex(row, "<td>"):] // the message cell
	if !hasHan(row) || !strings.Contains(row, existing) {
		t.Errorf("the rejection is not said in Chinese: %s", row)
	}
}

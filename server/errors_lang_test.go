package server

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// hasHan reports whether s holds a Chinese character.
func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// callLang makes a JSON API request with an Accept-Language header and
// returns the status and the error body.
func (f *fixture) callLang(t *testing.T, token, lang, method, path, body string) (int, apiError) {
	t.Helper()
	req, _ := http.NewRequest(method, f.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct{ Error apiError }
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, e.Error
}

// TestAPIErrorsInTheCallersLanguage: the same bad request gets the same
// status, message code, parameters and fields in every language, and a
// message in the caller's language (English without Accept-Language);
// every invalid field comes back at once.
func TestAPIErrorsInTheCallersLanguage(t *testing.T) {
	f := newFixture(t, true)
	tok := f.token(t, "fuchun-cement.operator")
	b := f.orgBatch(t, "fuchun-cement")
	cases := []struct {
		name, method, path, body string
		status                   int
		fields                   []string // every field marked, the first first
		param                    string   // a parameter the message carries
	}{
		{"over the remaining quantity", "POST", "/api/v1/shipments",
			`{"code":"LANG-SH-1","to":"zhongjian-no8","site":"tower-a","carrier":"zhehang-logistics","lines":[{"batch":"` + b.Code + `","quantity":"999999"}]}`,
			http.StatusConflict, []string{"lines[0].quantity"}, b.Code},
		{"unknown product", "POST", "/api/v1/batches",
			`{"code":"LANG-1","product_id":"no-such-product","quantity":"1","produced_on":"2026-03-01"}`,
			http.StatusNotFound, []string{"product_id"}, "no-such-product"},
		{"three bad fields at once", "POST", "/api/v1/batches",
			`{"code":"a b","product_id":"po-42.5","quantity":"-1","produced_on":"2026-13-45"}`,
			http.StatusUnprocessableEntity, []string{"code", "quantity", "produced_on"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			codeEn, en := f.callLang(t, tok, "", c.method, c.path, c.body)
			codeZh, zh := f.callLang(t, tok, "zh-CN,zh;q=0.9,en;q=0.5", c.method, c.path, c.body)
			if codeEn != c.status || codeZh != c.status {
				t.Fatalf("status %d (en) and %d (zh), want %d: %+v", codeEn, codeZh, c.status, en)
			}
			if en.MessageCode == "" || en.MessageCode != zh.MessageCode || !slices.Equal(en.Params, zh.Params) || en.Field != zh.Field {
				t.Fatalf("the code or parameters differ by language:\nen %+v\nzh %+v", en, zh)
			}
			if hasHan(en.Message) || !hasHan(zh.Message) {
				t.Errorf("messages not in the caller's language:\nen %q\nzh %q", en.Message, zh.Message)
			}
			if c.param != "" && (!strings.Contains(strings.Join(en.Params, " "), c.param) || !strings.Contains(zh.Message, c.param)) {
				t.Errorf("the parameter %s is missing: %+v / %q", c.param, en.Params, zh.Message)
			}
			got := []string{en.Field}
			if len(c.fields) > 1 {
				got = nil
				for i, e := range zh.Errors {
					got = append(got, e.Field)
					if !hasHan(e.Message) || e.MessageCode == "" || e.MessageCode != en.Errors[i].MessageCode {
						t.Errorf("field %s: %+v (en %+v)", e.Field, e, en.Errors[i])
					}
				}
			}
			if !slices.Equal(got, c.fields) {
				t.Errorf("fields marked %v, want %v", got, c.fields)
			}
		})
	}
}

// TestFormMarksEveryFieldInTheReadersLanguage: a form with several bad
// fields marks each of them in one round trip, in the reader's language.
func TestFormMarksEveryFieldInTheReadersLanguage(t *testing.T) {
	f := newFixture(t, true)
	for _, lang := range []string{"en", "zh-CN"} {
		t.Run(lang, func(t *testing.T) {
			c := f.login(t, "fuchun-cement.operator")
			c.get(t, "/?lang="+lang)
			v := commissionForm("FC-LANG-1")
			v.Set("code", "a b")
			v.Set("quantity", "12,5")
			v.Set("produced_on", "2026-13-45")
			code, body, _ := c.postMultipart(t, "/batches/new", v)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", code)
			}
			for _, field := range []string{"code", "quantity", "produced_on"} {
				if !hasFieldError(body, field) {
					t.Errorf("no error next to %s", field)
				}
				i := strings.Index(body, `id="err-`+field+`"`)
				msg := body[i:min(len(body), i+300)]
				msg = msg[:strings.Index(msg, "</")]
				if hasHan(msg) != (lang == "zh-CN") {
					t.Errorf("the error next to %s is not in %s: %s", field, lang, msg)
				}
			}
		})
	}
}

// TestNamesInTheReadersLanguage: organizations and products show under
// their name in the reader's language (the demo's Chinese names on a 中文
// page, the English ones otherwise).
func TestNamesInTheReadersLanguage(t *testing.T) {
	f := newFixture(t, true)
	b := f.orgBatch(t, "fuchun-cement")
	for _, c := range []struct{ lang, want, not string }{
		{"zh-CN", "杭州富春水泥有限公司", "Fuchun Cement Co., Ltd."},
		{"en", "Fuchun Cement Co., Ltd.", "杭州富春水泥有限公司"},
	} {
		cl := f.login(t, "fuchun-cement.operator")
		cl.get(t, "/?lang="+c.lang)
		code, body := cl.get(t, "/trace?batch="+b.Code)
		if code != http.StatusOK || !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
			t.Errorf("%s: %d, has %q: %v, has %q: %v", c.lang, code, c.want, strings.Contains(body, c.want), c.not, strings.Contains(body, c.not))
		}
	}
}

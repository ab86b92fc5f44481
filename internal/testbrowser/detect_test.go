package testbrowser

import (
	"slices"
	"testing"
)

func chunk(text string) TextChunk { return TextChunk{Text: text, Visible: true} }

func TestOtherLanguage(t *testing.T) {
	for _, c := range []struct {
		name   string
		lang   string
		chunks []TextChunk
		want   []string
	}{
		{"an English sentence on a Chinese page", "zh-CN", []TextChunk{chunk("记录检验"), chunk("Verify the ledger now")},
			[]string{"Verify the ledger now"}},
		{"an English product name among Chinese words", "zh-CN", []TextChunk{chunk("P·O 42.5 ordinary Portland cement (bulk) · 已召回")},
			[]string{"ordinary Portland cement (bulk)"}},
		{"codes, acronyms, units and proper names pass", "zh-CN", []TextChunk{
			chunk("批次 FC-260309-02 · GB/T 175-2023 · 20.168 m3 · 42.5 MPa · 300 kg"),
			chunk("Xihu Ready-Mixed Concrete Co., Ltd. · 批号 260317-01"),
			chunk("扫描 QR 标签，下载 CSV、PDF 或 EPCIS 文档"),
			chunk("Zhou Wei · 管理员 · Hangzhou Municipal Construction Bureau"),
			chunk("登录名 fuchun-cement.operator，组织 fuchun-cement"),
			chunk("账号将为 fuchun-cement.<登录名>"),
			chunk("https://example.com/b/X1 · ops@example.com"),
		}, nil},
		{"text marked as code or in English passes", "zh-CN", []TextChunk{
			{Text: "English", Lang: "en"}, {Text: "sha256 of the file", Code: true},
		}, nil},
		{"attributes count", "zh-CN", []TextChunk{{Text: "Table behind the chart", Attr: "aria-label"}},
			[]string{"Table behind the chart"}},
		{"each finding once", "zh-CN", []TextChunk{chunk("mixed"), chunk("拌合 · mixed")}, []string{"mixed"}},
		{"Chinese on an English page", "en", []TextChunk{chunk("Status: 已召回"), chunk("Record an inspection"), chunk("拌合")},
			[]string{"已召回", "拌合"}},
		{"the language switch and plates pass on an English page", "en", []TextChunk{
			{Text: "中文", Lang: "zh-CN"}, chunk("Vehicle 浙A·12345"), chunk("Cement — 42.5 MPa"),
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := OtherLanguage(c.lang, c.chunks); !slices.Equal(got, c.want) {
				t.Errorf("OtherLanguage(%s) = %q, want %q", c.lang, got, c.want)
			}
		})
	}
}

func TestShownIDs(t *testing.T) {
	ids := []string{"fuchun-cement", "po-42.5", "tower-a"}
	hash := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	for _, c := range []struct {
		name   string
		chunks []TextChunk
		want   []string
	}{
		{"IDs shown in text", []TextChunk{chunk("Producer: fuchun-cement, product po-42.5"), chunk("Site tower-a")},
			[]string{"fuchun-cement", "po-42.5", "tower-a"}},
		{"a hash shown in text, in either case", []TextChunk{chunk("SHA-256 " + hash), chunk("root " + "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08.")},
			[]string{"9f86d081884c…"}},
		{"tucked into details or a copy control, hidden, or an attribute", []TextChunk{
			{Text: "fuchun-cement " + hash, Tucked: true, Visible: true},
			{Text: "tower-a", Visible: false},
			{Text: "po-42.5", Attr: "title", Visible: true},
		}, nil},
		{"logins, longer codes and names are not IDs", []TextChunk{
			chunk("fuchun-cement.operator"), chunk("tower-ab"), chunk("xpo-42.5"), chunk("Fuchun Cement Co., Ltd."),
			chunk(hash + "0"), chunk("cpo-42.5"),
		}, nil},
		{"an ID at the end of a sentence", []TextChunk{chunk("Shipped to tower-a.")}, []string{"tower-a"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ShownIDs(c.chunks, ids); !slices.Equal(got, c.want) {
				t.Errorf("ShownIDs = %q, want %q", got, c.want)
			}
		})
	}
}

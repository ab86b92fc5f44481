package server

import (
	"strings"
	"testing"
)

// TestHoldReasonInTheReadersLanguage: the hold reasons the contract writes
// are said in the reader's language, with inspection types and properties
// by name; a person's own words stay as they are.
func TestHoldReasonInTheReadersLanguage(t *testing.T) {
	f := newFixture(t, false)
	for _, c := range []struct {
		lang, reason string
		want         []string
		not          []string
	}{
		{"zh-CN", "failed sampling inspection: out of spec compressive_strength_3d, slump: cube 7 cracked",
			[]string{"见证取样", "不合格", "3 天抗压强度", "坍落度", "cube 7 cracked"}, []string{"compressive_strength_3d", "failed", "out of spec"}},
		{"en", "failed sampling inspection: out of spec compressive_strength_3d",
			[]string{"Sampling test", "3-day compressive strength"}, []string{"compressive_strength_3d"}},
		{"zh-CN", "failed visual inspection", []string{"不合格"}, []string{"failed", "visual"}},
		{"zh-CN", "rejected on receipt of shipment SH-1 by zhongjian-no8: wet bags", []string{"SH-1", "拒收", "wet bags"}, []string{"rejected on receipt"}},
		{"zh-CN", "cracks found on site", []string{"cracks found on site"}, nil},
	} {
		got := f.srv.holdReason(f.srv.cat.Localizer(c.lang), c.reason)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %q: %q lacks %q", c.lang, c.reason, got, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("%s %q: %q still says %q", c.lang, c.reason, got, n)
			}
		}
	}
}

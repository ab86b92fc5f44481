package testbrowser

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/chromedp/chromedp"
)

// TextChunk is one piece of text a page holds: a text node, or an
// attribute people read (aria-label, title, alt, placeholder).
type TextChunk struct {
	Text string `json:"text"`
	// Lang is the language of the closest element with a lang attribute
	// (the language switch names each language in itself).
	Lang string `json:"lang"`
	// Code is set inside code, kbd, samp, pre, .mono and translate="no":
	// text that is a code or a name, not words of the page's language.
	Code bool `json:"code"`
	// Tucked is set inside a <details> (its summary, always shown, is not
	// tucked) or a copy control ([data-copy], .copy, input, textarea).
	Tucked bool `json:"tucked"`
	// Visible is set when the element is rendered (not display:none, not
	// hidden, not in a closed <details>).
	Visible bool `json:"visible"`
	// Attr is the attribute the text comes from, "" for a text node.
	Attr string `json:"attr,omitempty"`
}

// pageTexts collects the page's TextChunks.
const pageTexts = `(() => {
	const out = [];
	const tucked = (el) => {
		for (let e = el; e; e = e.parentElement) {
			if (e.matches("[data-copy], .copy, input, textarea")) return true;
			if (e.tagName === "SUMMARY" && e.parentElement && e.parentElement.tagName === "DETAILS") { e = e.parentElement; continue; }
			if (e.tagName === "DETAILS") return true;
		}
		return false;
	};
	const info = (el) => ({
		lang: (el.closest("[lang]") || document.documentElement).getAttribute("lang") || "",
		code: !!el.closest("code, kbd, samp, pre, .mono, [translate=no]"),
		tucked: tucked(el),
		visible: el.checkVisibility ? el.checkVisibility() : el.getClientRects().length > 0,
	});
	const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walk.nextNode(); n; n = walk.nextNode()) {
		const el = n.parentElement;
		const text = n.nodeValue.replace(/\s+/g, " ").trim();
		if (!text || !el || el.closest("script, style, noscript, template")) continue;
		out.push(Object.assign({text}, info(el)));
	}
	for (const el of document.body.querySelectorAll("[aria-label], [title], [alt], [placeholder]")) {
		for (const attr of ["aria-label", "title", "alt", "placeholder"]) {
			const text = (el.getAttribute(attr) || "").trim();
			if (text) out.push(Object.assign({text, attr}, info(el)));
		}
	}
	return out;
})()`

// PageTexts returns the text of the tab's current page, chunk by chunk,
// for OtherLanguage and ShownIDs.
func PageTexts(ctx context.Context) ([]TextChunk, error) {
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](pageTexts))
	if err != nil {
		return nil, fmt.Errorf("page texts: %w", err)
	}
	var cs []TextChunk
	if err := json.Unmarshal(raw, &cs); err != nil {
		return nil, fmt.Errorf("page texts: %w", err)
	}
	return cs, nil
}

var (
	// latinRun is a run of Latin words with what joins them in a name or a
	// phrase (spaces, punctuation, numbers).
	latinRun = regexp.MustCompile(`[A-Za-z][A-Za-z0-9'’.,&()/ -]*[A-Za-z0-9.)]|[A-Za-z]`)
	// kebabID is an identifier such as an organization's or a site's ID.
	kebabID = regexp.MustCompile(`^[a-z0-9]+([-_.][a-z0-9]+)+$`)
	// hex64 is a SHA-256 or another 32-byte value written in hex.
	hex64 = regexp.MustCompile(`(?i)(?:^|[^0-9a-f])([0-9a-f]{64})(?:[^0-9a-f]|$)`)
)

// latinWords are the lowercase Latin words a Chinese page may show:
// units and the like.
var latinWords = map[string]bool{
	"kg": true, "ms": true, "mm": true, "cm": true, "km": true, "kn": true, "mpa": true, "ph": true, "min": true,
	"m³": true, "http": true, "https": true, "www": true,
}

// OtherLanguage returns the text of the other language on a page in
// pageLang ("en" or "zh-CN"), each finding once, in page order:
//
//   - on a Chinese page, runs of Latin words holding a lowercase word
//     ("Record an inspection", "ordinary Portland cement"). Codes (a token
//     with a digit, a slash, an @ or a colon, kebab-case IDs), acronyms
//     (QR, GB, EPCIS), units (kg, MPa) and proper names (words that all
//     start with a capital: "Fuchun Cement Co., Ltd.", "Zhou Wei") pass:
//     names are shown as registered;
//   - on an English page, any token holding Chinese characters, unless it
//     is a code (holds a digit: a plate such as 浙A·12345).
//
// Text marked as code (TextChunk.Code) or in another language (Lang, as
// the language switch marks "中文") is left alone.
func OtherLanguage(pageLang string, chunks []TextChunk) []string {
	zh := strings.HasPrefix(pageLang, "zh")
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, c := range chunks {
		if c.Code || (c.Lang != "" && !sameLang(c.Lang, pageLang)) {
			continue
		}
		if !zh {
			for _, tok := range strings.Fields(c.Text) {
				if hasHan(tok) && !strings.ContainsFunc(tok, unicode.IsDigit) {
					add(tok)
				}
			}
			continue
		}
		// Codes first: blank out tokens that are codes, then look at the
		// Latin runs that are left.
		toks := strings.FieldsFunc(c.Text, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xff65)
		})
		for i, tok := range toks {
			if isCode(tok) {
				toks[i] = "·"
			}
		}
		for _, run := range latinRun.FindAllString(strings.Join(toks, " "), -1) {
			if foreignRun(run) {
				add(run)
			}
		}
	}
	return out
}

// foreignRun says whether a run of Latin text holds a word of English
// prose: a lowercase word of two letters or more that is not a unit.
func foreignRun(run string) bool {
	for _, w := range strings.FieldsFunc(run, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && r != '’' }) {
		if len([]rune(w)) < 2 || latinWords[strings.ToLower(w)] {
			continue
		}
		if unicode.IsLower([]rune(w)[0]) {
			return true
		}
	}
	return false
}

// isCode says whether a whitespace-separated token is a code or an
// address rather than a word: it holds a digit, /, @, :, _ or =, or is a
// kebab-case ID.
func isCode(tok string) bool {
	t := strings.Trim(tok, "()[]{}<>,;:.!?\"'“”‘’（），。；：！？")
	return strings.ContainsAny(t, "0123456789/@:_=") || kebabID.MatchString(t)
}

func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// sameLang says whether two language tags name the same language ("zh"
// and "zh-CN" do).
func sameLang(a, b string) bool {
	ab, _, _ := strings.Cut(strings.ToLower(a), "-")
	bb, _, _ := strings.Cut(strings.ToLower(b), "-")
	return ab == bb
}

// ShownIDs returns the identifiers a page shows where people read it:
// each of ids (organization, product and site IDs) found as a whole token,
// and every 64-digit hex value (a SHA-256, a leaf or root hash), in text
// that is visible and not tucked into a <details> or a copy control. Each
// finding is returned once, in page order; a hex value as its first 12
// digits and "…".
func ShownIDs(chunks []TextChunk, ids []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, c := range chunks {
		if c.Tucked || !c.Visible || c.Attr != "" {
			continue
		}
		for _, m := range hex64.FindAllStringSubmatch(c.Text, -1) {
			add(strings.ToLower(m[1][:12]) + "…")
		}
		for _, id := range ids {
			if id != "" && containsToken(c.Text, id) {
				add(id)
			}
		}
	}
	return out
}

// containsToken says whether id occurs in s as a whole token: not inside a
// longer word, code or login ("fuchun-cement.operator" does not show the
// ID fuchun-cement; "fuchun-cement," does).
func containsToken(s, id string) bool {
	word := func(r rune) bool { return r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	for i := 0; ; {
		j := strings.Index(s[i:], id)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(id)
		before, after := rune(0), rune(0)
		if start > 0 {
			before = []rune(s[:start])[len([]rune(s[:start]))-1]
		}
		rest := []rune(s[end:])
		if len(rest) > 0 {
			after = rest[0]
		}
		dotted := after == '.' && len(rest) > 1 && (unicode.IsLetter(rest[1]) || unicode.IsDigit(rest[1]))
		if !word(before) && before != '.' && !word(after) && !dotted {
			return true
		}
		i = start + 1
	}
}

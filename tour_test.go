package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"

	"github.com/plumbline/plumbline/internal/testbrowser"
)

// TestReadmeTour reads README's "A five-minute tour" — its numbered steps
// and, under each, the lines that say what to open or do and what it shows
// — and walks them literally against `serve --demo` started as README's
// first command starts it: real HTTP, the server's own forms, and Chromium
// for the lines that say "in a browser". A line whose page errors, is not
// found or lacks a text README quotes fails the test, so README and the
// demo cannot drift apart. It also runs README's where-used API example.
func TestReadmeTour(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo; skipped in -short mode")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	steps, err := parseTour(string(readme))
	if err != nil {
		t.Fatalf("README's tour: %v", err)
	}
	base := serveDemo(t)
	w := &tourWalker{t: t, base: base, vars: map[string]string{}, clients: map[string]*http.Client{}}
	for _, st := range steps {
		for _, ln := range st.lines {
			t.Logf("step %d (%s), as %s: %s", st.n, st.title, ln.who(st.user), ln.text)
			w.line = fmt.Sprintf("README tour step %d, line %q", st.n, ln.text)
			w.run(st.user, ln)
		}
	}
	w.line = "README's where-used API example"
	w.whereUsedExample(string(readme))
}

// tourStep is one numbered step of the tour.
type tourStep struct {
	n     int
	title string
	user  string // "Log in as `…`", else the previous step's
	lines []tourLine
}

// tourLine is one "- …" line under a step:
//
//	[as `user` | as the public][, in a browser]: WHAT [→ EXPECT, …]
//
// WHAT is "open `PATH`", "follow … on|of `PATH` to `PATTERN`", "on `PATH`,
// type a LABEL of VALUE" (in a browser) or an *Action* with its words;
// each EXPECT is a "quoted text" the page shows or "a PDF". {name} in a
// path or text is a code met earlier: a PATTERN binds it.
type tourLine struct {
	text    string
	as      string // a user, "public", or "" for the step's user
	browser bool
	what    string
	texts   []string
	pdf     bool
}

func (l tourLine) who(stepUser string) string {
	switch l.as {
	case "":
		return stepUser
	case "public":
		return "the public"
	}
	return l.as
}

var (
	stepStart   = regexp.MustCompile(`^(\d+)\. \*\*([^*]+)\*\*(.*)$`)
	logInAs     = regexp.MustCompile("(?i)log in as `([a-z0-9-]+\\.[a-z]+)`")
	lineSubject = regexp.MustCompile("^(?:as (the public|`[^`]+`))?(?:,? ?(in a browser))?: ")
	quoted      = regexp.MustCompile(`"([^"]*)"`)
)

// parseTour reads the steps of README's tour section.
func parseTour(readme string) ([]tourStep, error) {
	_, sec, ok := strings.Cut(readme, "\n## A five-minute tour\n")
	if !ok {
		return nil, fmt.Errorf("no \"## A five-minute tour\" section")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var steps []tourStep
	var prose []string
	for raw := range strings.SplitSeq(sec, "\n") {
		if m := stepStart.FindStringSubmatch(raw); m != nil {
			n, _ := strconv.Atoi(m[1])
			steps = append(steps, tourStep{n: n, title: m[2]})
			prose = append(prose, m[3])
			continue
		}
		if len(steps) == 0 {
			continue
		}
		st := &steps[len(steps)-1]
		switch {
		case strings.HasPrefix(raw, "   - "):
			ln, err := parseTourLine(strings.TrimPrefix(raw, "   - "))
			if err != nil {
				return nil, fmt.Errorf("step %d: %w", st.n, err)
			}
			st.lines = append(st.lines, ln)
		case strings.HasPrefix(raw, "     ") && len(st.lines) > 0: // a line's continuation
			l := &st.lines[len(st.lines)-1]
			ln, err := parseTourLine(l.text + " " + strings.TrimSpace(raw))
			if err != nil {
				return nil, fmt.Errorf("step %d: %w", st.n, err)
			}
			*l = ln
		case strings.HasPrefix(raw, "   ") && len(st.lines) == 0: // the step's prose
			prose[len(prose)-1] += " " + strings.TrimSpace(raw)
		}
	}
	// A step is walked as the user it says to log in as, else as the
	// previous step's.
	for i := range steps {
		if m := logInAs.FindStringSubmatch(prose[i]); m != nil {
			steps[i].user = m[1]
		} else if i > 0 {
			steps[i].user = steps[i-1].user
		}
	}
	if len(steps) < 5 {
		return nil, fmt.Errorf("%d numbered steps", len(steps))
	}
	for i, st := range steps {
		if st.n != i+1 {
			return nil, fmt.Errorf("step %d is numbered %d", i+1, st.n)
		}
		if len(st.lines) == 0 {
			return nil, fmt.Errorf("step %d (%s) has no \"- …\" lines saying what to open and what it shows", st.n, st.title)
		}
		if st.user == "" {
			return nil, fmt.Errorf("step %d (%s) says whom to log in as nowhere", st.n, st.title)
		}
	}
	return steps, nil
}

func parseTourLine(s string) (tourLine, error) {
	ln := tourLine{text: s}
	rest := s
	if m := lineSubject.FindStringSubmatch(rest); m != nil {
		switch {
		case m[1] == "the public":
			ln.as = "public"
		case m[1] != "":
			ln.as = strings.Trim(m[1], "`")
		}
		ln.browser = m[2] != ""
		rest = rest[len(m[0]):]
	}
	what, expect, _ := strings.Cut(rest, " → ")
	ln.what = strings.TrimSpace(what)
	for _, m := range quoted.FindAllStringSubmatch(expect, -1) {
		ln.texts = append(ln.texts, m[1])
	}
	ln.pdf = strings.Contains(expect, "a PDF")
	if expect != "" && len(ln.texts) == 0 && !ln.pdf {
		return ln, fmt.Errorf("line %q: after → say what it shows, as \"quoted text\" or a PDF", s)
	}
	if ln.what == "" {
		return ln, fmt.Errorf("line %q says nothing to do", s)
	}
	return ln, nil
}

// serveDemo runs `serve --demo` in-process on a free port and returns its
// base URL once the demo is loaded.
func serveDemo(t *testing.T) string {
	t.Helper()
	env := testEnv(t)
	env["PLUMBLINE_ADDR"] = freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out, errb syncBuffer
	go func() {
		done <- run(ctx, []string{"serve", "--demo"}, func(k string) string { return env[k] }, &out, &errb)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	base := "http://" + env["PLUMBLINE_ADDR"]
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && !strings.Contains(string(b), `"ledger_head":0`) {
				return base
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve --demo exited with %d\n%s\n%s", code, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve --demo not ready after 3 minutes\n%s", errb.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// tourWalker walks the tour's lines, keeping a session per user and the
// codes met on the way.
type tourWalker struct {
	t        *testing.T
	base     string
	line     string // what is being walked, for failures
	vars     map[string]string
	clients  map[string]*http.Client
	last     []byte // the last file downloaded
	lastName string
	browser  context.Context
	inBrowse string // the user the browser is logged in as
}

// page is a fetched page.
type page struct {
	url  *url.URL
	code int
	typ  string
	body []byte
	doc  *html.Node
}

func (p *page) text() string { return pageText(p.doc) }

func (w *tourWalker) fail(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("%s: %s", w.line, fmt.Sprintf(format, args...))
}

// expand puts the codes met so far in place of {name}.
func (w *tourWalker) expand(s string) string {
	return regexp.MustCompile(`\{([a-z]+)\}`).ReplaceAllStringFunc(s, func(m string) string {
		v, ok := w.vars[m[1:len(m)-1]]
		if !ok {
			w.fail("%s is not known yet: no earlier line leads to it", m)
		}
		return v
	})
}

// bind matches path against a README pattern such as /b/{lot}, learning
// the codes it names.
func (w *tourWalker) bind(pattern, path string) bool {
	names := []string{}
	re := "^"
	for i, part := range regexp.MustCompile(`\{[a-z]+\}`).Split(pattern, -1) {
		re += regexp.QuoteMeta(part)
		if m := regexp.MustCompile(`\{([a-z]+)\}`).FindAllStringSubmatch(pattern, -1); i < len(m) {
			if v, ok := w.vars[m[i][1]]; ok {
				re += regexp.QuoteMeta(url.PathEscape(v))
				names = append(names, "")
			} else {
				re += `([^/?#]+)`
				names = append(names, m[i][1])
			}
		}
	}
	re += `(?:[?#].*)?$`
	got := regexp.MustCompile(re).FindStringSubmatch(path)
	if got == nil {
		return false
	}
	k := 1
	for _, n := range names {
		if n == "" {
			continue
		}
		v, _ := url.PathUnescape(got[k])
		w.vars[n] = v
		k++
	}
	return true
}

// client is the HTTP session of user ("public": none), logged in through
// the login form the first time.
func (w *tourWalker) client(user string) *http.Client {
	if c, ok := w.clients[user]; ok {
		return c
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 60 * time.Second}
	w.clients[user] = c
	if user == "public" {
		return c
	}
	p := w.get(c, "/login")
	w.submit(c, p, findForm(p.doc, "/login"), map[string]string{"login": user, "password": "plumbline-demo"}, nil)
	if p := w.get(c, "/dashboard"); p.url.Path != "/dashboard" {
		w.fail("logging in as %s led to %s", user, p.url)
	}
	return c
}

func (w *tourWalker) get(c *http.Client, path string) *page {
	w.t.Helper()
	resp, err := c.Get(w.base + path)
	if err != nil {
		w.fail("GET %s: %v", path, err)
	}
	return w.read(resp, "GET "+path)
}

func (w *tourWalker) read(resp *http.Response, what string) *page {
	w.t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.fail("%s: %v", what, err)
	}
	p := &page{url: resp.Request.URL, code: resp.StatusCode, typ: resp.Header.Get("Content-Type"), body: b}
	if strings.HasPrefix(p.typ, "text/html") {
		if p.doc, err = html.Parse(bytes.NewReader(b)); err != nil {
			w.fail("%s: %v", what, err)
		}
	}
	if p.code != http.StatusOK {
		txt := string(b)
		if p.doc != nil {
			txt = p.text()
		}
		w.fail("%s: status %d at %s\n%s", what, p.code, p.url, clipTour(txt, 1500))
	}
	return p
}

// run walks one line.
func (w *tourWalker) run(stepUser string, ln tourLine) {
	w.t.Helper()
	user := ln.as
	if user == "" {
		user = stepUser
	}
	if ln.browser {
		w.runBrowser(user, ln)
		return
	}
	c := w.client(user)
	var p *page
	switch {
	case strings.HasPrefix(ln.what, "open "):
		p = w.get(c, w.expand(backticked(ln.what, 0)))
	case strings.HasPrefix(ln.what, "follow "):
		p = w.follow(c, ln.what)
	case strings.HasPrefix(ln.what, "*"):
		name, args, _ := strings.Cut(strings.TrimPrefix(ln.what, "*"), "*")
		act, ok := tourActions[name]
		if !ok {
			w.fail("README names an action *%s* the tour test does not know (it knows %s)", name, actionNames())
		}
		p = act(w, c, strings.TrimSpace(args))
	default:
		w.fail("a line says what to do with open `PATH`, follow … on `PATH` to `PATTERN`, or an *Action*")
	}
	w.expect(p, ln)
}

// expect checks that the page shows what the line says.
func (w *tourWalker) expect(p *page, ln tourLine) {
	w.t.Helper()
	if ln.pdf && (!strings.HasPrefix(p.typ, "application/pdf") || !bytes.HasPrefix(p.body, []byte("%PDF-"))) {
		w.fail("%s is %s, not a PDF", p.url, p.typ)
	}
	text := string(p.body)
	if p.doc != nil {
		text = p.text()
	}
	for _, want := range ln.texts {
		if want = w.expand(want); !strings.Contains(text, want) {
			w.fail("%s does not show %q\n%s", p.url, want, clipTour(text, 3000))
		}
	}
}

// follow opens a page and the first link on it to README's pattern,
// inside the card or section the line names in *italics* when it names one.
func (w *tourWalker) follow(c *http.Client, what string) *page {
	w.t.Helper()
	from, pattern := w.expand(backticked(what, 0)), backticked(what, 1)
	if pattern == "" {
		w.fail("say where the link leads: follow … on `PATH` to `PATTERN`")
	}
	p := w.get(c, from)
	scope := byID(p.doc, "main")
	if m := regexp.MustCompile(`\*([^*]+)\*`).FindStringSubmatch(what); m != nil {
		if scope = section(p.doc, m[1]); scope == nil {
			w.fail("%s has no %q card or section", from, m[1])
		}
	}
	for _, a := range elements(scope, "a") {
		if !inListItem(a) { // a list's entry, not a button or a filter
			continue
		}
		href := attr(a, "href")
		u, err := p.url.Parse(href)
		if err != nil || u.Host != p.url.Host {
			continue
		}
		saved := maps.Clone(w.vars)
		if w.bind(pattern, u.EscapedPath()+query(u)) {
			return w.get(c, u.RequestURI())
		}
		w.vars = saved
	}
	w.fail("%s has no link to %s there", from, pattern)
	return nil
}

func query(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	return "?" + u.RawQuery
}

// backticked returns the i-th `quoted` part of s, or "".
func backticked(s string, i int) string {
	m := regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(s, -1)
	if i < len(m) {
		return m[i][1]
	}
	return ""
}

// tourActions are README's *Actions*: each does what the line says with
// the server's own form, as a person would fill it, and returns the page
// it leads to.
var tourActions = map[string]func(w *tourWalker, c *http.Client, args string) *page{
	"Download":             (*tourWalker).download,
	"Verify a file":        (*tourWalker).verifyFile,
	"Commission a batch":   (*tourWalker).commission,
	"Print labels":         (*tourWalker).printLabels,
	"Ship":                 (*tourWalker).ship,
	"Receive":              (*tourWalker).receive,
	"Record an inspection": (*tourWalker).inspect,
	"Use":                  (*tourWalker).use,
	"Record a disposition": (*tourWalker).dispose,
}

func actionNames() string {
	var n []string
	for k := range tourActions {
		n = append(n, "*"+k+"*")
	}
	return strings.Join(n, ", ")
}

// download: "*Download* the WHAT of `PATH`": the first link on the page
// whose text names WHAT, or the first in the section whose heading does.
func (w *tourWalker) download(c *http.Client, args string) *page {
	what, _, _ := strings.Cut(args, " of ")
	what = strings.TrimPrefix(strings.TrimSpace(what), "the ")
	from := w.expand(w.after(args, "of"))
	p := w.get(c, from)
	var link *html.Node
	for _, a := range elements(p.doc, "a") {
		if strings.Contains(strings.ToLower(pageText(a)), strings.ToLower(what)) {
			link = a
			break
		}
	}
	if link == nil {
		if s := section(p.doc, what); s != nil {
			if as := elements(s, "a"); len(as) > 0 {
				link = as[0]
			}
		}
	}
	if link == nil {
		w.fail("%s has no link to download %q", from, what)
	}
	u, _ := p.url.Parse(attr(link, "href"))
	d := w.get(c, u.RequestURI())
	w.last, w.lastName = d.body, pageText(link)
	return d
}

// verifyFile: "*Verify a file* on `PATH` with the … just downloaded".
func (w *tourWalker) verifyFile(c *http.Client, args string) *page {
	if w.last == nil {
		w.fail("nothing was downloaded before")
	}
	p := w.get(c, w.expand(w.after(args, "on")))
	form := findFormWith(p.doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "type") == "file" })
	if form == nil {
		w.fail("%s has no form to choose a file in", p.url)
	}
	file := ""
	for _, in := range elements(form, "input") {
		if attr(in, "type") == "file" {
			file = attr(in, "name")
		}
	}
	return w.submit(c, p, form, nil, map[string]tourFile{file: {name: w.lastName, data: w.last}})
}

// commission: "*Commission a batch* `CODE` of `PRODUCT`, Q t, heat number
// `H`, with a certificate, at `PATH` to `PATTERN`".
func (w *tourWalker) commission(c *http.Client, args string) *page {
	code := backticked(args, 0)
	p := w.get(c, w.expand(w.after(args, "at")))
	form := findForm(p.doc, "/batches/new")
	vals := map[string]string{"code": code, "product_id": w.after(args, "of"), "quantity": number(w, args, " t")}
	if strings.Contains(args, "heat number") {
		vals["heat_number"] = w.after(args, "heat number")
	}
	files := map[string]tourFile{}
	if strings.Contains(args, "with a certificate") {
		vals["kind_0"] = "mill_test_certificate"
		vals["visibility_0"] = "public"
		files["document_0"] = tourFile{name: "mill-test-" + code + ".pdf", data: []byte("%PDF-1.4\n% mill test certificate of " + code + ", written by the README tour\n%%EOF\n")}
	}
	r := w.submit(c, p, form, vals, files)
	if to := w.after(args, "to"); !w.bind(to, r.url.EscapedPath()) {
		w.fail("commissioning led to %s, not %s\n%s", r.url, to, clipTour(r.text(), 1500))
	}
	return r
}

// after is the `quoted` part right after word in s.
func (w *tourWalker) after(s, word string) string {
	m := regexp.MustCompile(`(?:^|\s)` + regexp.QuoteMeta(word) + " `([^`]+)`").FindStringSubmatch(s)
	if m == nil {
		w.fail("the line says nothing %s `…`", word)
	}
	return m[1]
}

// shipForm opens the shipment form of the first order on /orders whose
// line is for product.
func (w *tourWalker) shipForm(c *http.Client, product string) *page {
	orders := w.get(c, "/orders")
	for _, a := range elements(orders.doc, "a") {
		if h := attr(a, "href"); strings.HasPrefix(h, "/shipments/new?po=") {
			p := w.get(c, h)
			for _, o := range elements(findForm(p.doc, "/shipments/new"), "option") {
				if strings.HasPrefix(pageText(o), "#") && strings.Contains(pageText(o), " "+product+" ") {
					return p
				}
			}
		}
	}
	w.fail("/orders has no open order for %s to ship against", product)
	return nil
}

// printLabels: "*Print labels* of `CODE` at `PATH`".
func (w *tourWalker) printLabels(c *http.Client, args string) *page {
	code := w.expand(w.after(args, "of"))
	p := w.get(c, w.expand(w.after(args, "at")))
	form := findFormWith(p.doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "value") == code })
	if form == nil {
		w.fail("%s offers no label for %s", p.url, code)
	}
	for _, in := range elements(form, "input") {
		if attr(in, "type") == "checkbox" && attr(in, "value") == code {
			setAttr(in, "checked", "")
		}
	}
	return w.submit(c, p, form, nil, nil)
}

// ship: "*Ship* Q t of `CODE` against the first open order for `PRODUCT`
// at `/orders` to `PATTERN`".
func (w *tourWalker) ship(c *http.Client, args string) *page {
	if w.after(args, "at") != "/orders" {
		w.fail("orders are shipped from `/orders`")
	}
	p := w.shipForm(c, w.after(args, "for"))
	form := findForm(p.doc, "/shipments/new")
	r := w.submit(c, p, form, map[string]string{"batch_0": w.expand(w.after(args, "of")), "quantity_0": number(w, args, " t")}, nil)
	if to := w.after(args, "to"); !w.bind(to, r.url.EscapedPath()) {
		w.fail("shipping led to %s, not %s\n%s", r.url, to, clipTour(r.text(), 1500))
	}
	return r
}

// receive: "*Receive* `SHIPMENT`, accepting every line".
func (w *tourWalker) receive(c *http.Client, args string) *page {
	code := w.expand(backticked(args, 0))
	incoming := w.get(c, "/shipments/incoming")
	want := "/shipments/" + url.PathEscape(code) + "/receive"
	for _, a := range elements(incoming.doc, "a") {
		if attr(a, "href") == want {
			p := w.get(c, want)
			return w.submit(c, p, findForm(p.doc, want), nil, nil) // every line's outcome is "accept" unless changed
		}
	}
	w.fail("/shipments/incoming has no Receive link for %s", code)
	return nil
}

// inspect: "*Record an inspection* of `CODE` that passes": every measured
// value in the middle of its limits.
func (w *tourWalker) inspect(c *http.Client, args string) *page {
	code := w.expand(w.after(args, "of"))
	p := w.get(c, "/inspections/new?batch="+url.QueryEscape(code))
	form := findForm(p.doc, "/inspections")
	vals := map[string]string{"verdict": "pass"}
	for _, d := range elements(form, "div") {
		if !hasAttr(d, "data-limit") {
			continue
		}
		lo, errLo := strconv.ParseFloat(attr(d, "data-min"), 64)
		hi, errHi := strconv.ParseFloat(attr(d, "data-max"), 64)
		v := 0.0
		switch {
		case errLo == nil && errHi == nil:
			v = (lo + hi) / 2
		case errLo == nil:
			v = lo * 1.1
		case errHi == nil:
			v = hi * 0.9
		}
		for _, in := range elements(d, "input") {
			vals[attr(in, "name")] = strconv.FormatFloat(v, 'f', 2, 64)
		}
	}
	if !strings.Contains(args, "passes") {
		w.fail("say the inspection passes")
	}
	return w.submit(c, p, form, vals, nil)
}

// use: "*Use* Q t of `CODE` in `PROJECT / BUILDING / FLOOR / ELEMENT`".
func (w *tourWalker) use(c *http.Client, args string) *page {
	code := w.expand(w.after(args, "of"))
	loc := strings.Split(w.after(args, "in"), " / ")
	if len(loc) != 4 {
		w.fail("say where it went as `project / building / floor / element`")
	}
	p := w.get(c, "/usages/new?batch="+url.QueryEscape(code))
	form := findForm(p.doc, "/usages")
	return w.submit(c, p, form, map[string]string{
		"quantity": number(w, args, " t"), "location.project": loc[0], "location.building": loc[1], "location.floor": loc[2], "location.element": loc[3],
	}, nil)
}

// dispose: "*Record a disposition* of KIND for the remaining element of
// `PATH`": every place not decided yet gets KIND.
func (w *tourWalker) dispose(c *http.Client, args string) *page {
	kind, _, _ := strings.Cut(strings.TrimPrefix(args, "of "), " ")
	p := w.get(c, w.expand(w.after(args, "of")))
	form := findFormWith(p.doc, func(n *html.Node) bool { return n.Data == "select" && strings.HasPrefix(attr(n, "name"), "d.") })
	if form == nil {
		w.fail("%s has no place left to decide", p.url)
	}
	vals := map[string]string{}
	for _, s := range elements(form, "select") {
		if strings.HasPrefix(attr(s, "name"), "d.") && fieldValue(s) == "" {
			vals[attr(s, "name")] = strings.ReplaceAll(kind, " ", "_")
		}
	}
	return w.submit(c, p, form, vals, nil)
}

// number is the number before unit in s ("40 t").
func number(w *tourWalker, s, unit string) string {
	m := regexp.MustCompile(`(\d+(?:\.\d+)?)` + regexp.QuoteMeta(unit) + `\b`).FindStringSubmatch(s)
	if m == nil {
		w.fail("no quantity in %q", s)
	}
	return m[1]
}

// tourFile is a file to upload with a form.
type tourFile struct {
	name string
	data []byte
}

// submit sends form as the browser would (its fields' values, changed by
// vals), following redirects, and fails on an error page or a form shown
// again with errors.
func (w *tourWalker) submit(c *http.Client, p *page, form *html.Node, vals map[string]string, files map[string]tourFile) *page {
	w.t.Helper()
	if form == nil {
		w.fail("%s has no such form", p.url)
	}
	fields := formFields(form)
	for k, v := range vals {
		if _, ok := fields.values[k]; !ok && !fields.known[k] {
			w.fail("the form on %s has no field %q", p.url, k)
		}
		fields.values[k] = []string{v}
	}
	action, _ := p.url.Parse(attr(form, "action"))
	method := strings.ToUpper(attr(form, "method"))
	var resp *http.Response
	var err error
	switch {
	case method != "POST":
		action.RawQuery = url.Values(fields.values).Encode()
		resp, err = c.Get(action.String())
	case attr(form, "enctype") == "multipart/form-data":
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, vs := range fields.values {
			for _, v := range vs {
				_ = mw.WriteField(k, v)
			}
		}
		for field, f := range files {
			fw, _ := mw.CreateFormFile(field, f.name)
			_, _ = fw.Write(f.data)
		}
		_ = mw.Close()
		resp, err = c.Post(action.String(), mw.FormDataContentType(), &body)
	default:
		resp, err = c.PostForm(action.String(), url.Values(fields.values))
	}
	if err != nil {
		w.fail("submit %s: %v", action, err)
	}
	r := w.read(resp, method+" "+action.Path)
	if r.doc != nil {
		if e := findClass(r.doc, "field-error"); e != nil && !hasAttr(e, "hidden") && strings.TrimSpace(pageText(e)) != "" {
			w.fail("the form on %s came back with an error: %s", p.url, pageText(e))
		}
	}
	return r
}

// formValues are a form's fields as a browser would send them.
type formValues struct {
	values map[string][]string
	known  map[string]bool // fields that send nothing as they are (unchecked, empty selects)
}

func formFields(form *html.Node) formValues {
	f := formValues{values: map[string][]string{}, known: map[string]bool{}}
	walk(form, func(n *html.Node) {
		name := attr(n, "name")
		if n.Type != html.ElementNode || name == "" {
			return
		}
		switch n.Data {
		case "input":
			switch attr(n, "type") {
			case "file", "submit", "button":
				f.known[name] = true
			case "radio", "checkbox":
				f.known[name] = true
				if hasAttr(n, "checked") {
					v := attr(n, "value")
					if v == "" {
						v = "on"
					}
					f.values[name] = append(f.values[name], v)
				}
			default:
				f.values[name] = append(f.values[name], attr(n, "value"))
			}
		case "select":
			f.known[name] = true
			f.values[name] = []string{fieldValue(n)}
		case "textarea":
			f.values[name] = []string{pageText(n)}
		}
	})
	return f
}

// fieldValue is a select's selected (or first) option's value.
func fieldValue(sel *html.Node) string {
	opts := elements(sel, "option")
	for _, o := range opts {
		if hasAttr(o, "selected") {
			return attr(o, "value")
		}
	}
	if len(opts) > 0 {
		return attr(opts[0], "value")
	}
	return ""
}

// runBrowser walks a line in Chromium, logged in as user unless it is
// the public's: open the page (and type into a field when the line says
// so), then wait for the texts to show.
func (w *tourWalker) runBrowser(user string, ln tourLine) {
	w.t.Helper()
	if w.browser == nil {
		if _, err := os.Stat(testbrowser.Path); err != nil && os.Getenv("CI") != "true" {
			// Walk the rest over HTTP; testbrowser.Start would skip it all.
			w.t.Logf("%s: not walked, Chromium is not installed at %s", w.line, testbrowser.Path)
			return
		}
		w.browser = testbrowser.Start(w.t, 390, 844)
	}
	ctx, cancel := context.WithTimeout(w.browser, 60*time.Second)
	defer cancel()
	do := func(what string, a chromedp.Action[chromedp.Void]) {
		w.t.Helper()
		if err := chromedp.Do(ctx, a); err != nil {
			w.fail("in the browser, %s: %v", what, err)
		}
	}
	if w.inBrowse != user {
		do("log out", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
			return err
		}))
		if user != "public" {
			do("open /login", chromedp.Navigate(w.base+"/login"))
			do("log in", chromedp.SendKeys("#login", user))
			do("log in", chromedp.SendKeys("#password", "plumbline-demo"))
			do("log in", chromedp.Submit("#password"))
			for deadline := time.Now().Add(20 * time.Second); ; {
				loc, _ := chromedp.Run(ctx, chromedp.Location())
				if strings.HasSuffix(loc, "/dashboard") {
					break
				}
				if time.Now().After(deadline) {
					w.fail("in the browser, logging in as %s led to %s", user, loc)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		w.inBrowse = user
	}
	path := w.expand(backticked(ln.what, 0))
	do("open "+path, chromedp.Navigate(w.base+path))
	do("open "+path, chromedp.WaitReady("#main"))
	if m := regexp.MustCompile(`type an? (.+) of (\S+)$`).FindStringSubmatch(ln.what); m != nil {
		label, value := m[1], m[2]
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
			for (const l of document.querySelectorAll('label[for]')) {
				if (l.textContent.toLowerCase().includes(%q)) return l.htmlFor;
			}
			return '';
		})()`, strings.ToLower(label))))
		if err != nil || id == "" {
			w.fail("in the browser, %s has no field labelled %q (%v)", path, label, err)
		}
		do("type "+value, chromedp.SendKeys("#"+id, value))
	} else if !strings.HasPrefix(ln.what, "open ") {
		w.fail("in a browser, a line opens `PATH`, or on `PATH`, types a LABEL of VALUE")
	}
	for _, want := range ln.texts {
		want = w.expand(want)
		deadline := time.Now().Add(45 * time.Second)
		for {
			txt, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			if err == nil && strings.Contains(txt, want) {
				break
			}
			if time.Now().After(deadline) {
				w.fail("in the browser, %s does not show %q within 45s\n%s", path, want, clipTour(txt, 3000))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// whereUsedExample runs README's where-used API example: the token its
// code block asks for, then the where-used request, which must find places.
func (w *tourWalker) whereUsedExample(readme string) {
	i := strings.Index(readme, "/api/v1/where-used?")
	if i < 0 {
		w.fail("README has no where-used example")
	}
	block := readme[:i]
	block = block[strings.LastIndex(block, "```"):]
	login := regexp.MustCompile(`/api/v1/tokens \\\s*\n?\s*-d '([^']+)'`).FindStringSubmatch(block)
	if login == nil {
		w.fail("the where-used example's block asks for no token")
	}
	path := readme[i:]
	path = path[:strings.IndexAny(path, "' \"")]
	resp, err := http.Post(w.base+"/api/v1/tokens", "application/json", strings.NewReader(login[1]))
	if err != nil {
		w.fail("%v", err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.Token == "" {
		w.fail("token for %s: %d %v", login[1], resp.StatusCode, err)
	}
	req, _ := http.NewRequest(http.MethodGet, w.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		w.fail("%v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Items []json.RawMessage `json:"items"`
		Total int               `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		w.fail("GET %s: %d %v", path, resp.StatusCode, err)
	}
	if len(out.Items) == 0 || out.Total == 0 {
		w.fail("GET %s with the token of %s finds no place", path, login[1])
	}
	w.t.Logf("README's where-used example %s finds %d places", path, out.Total)
}

// HTML helpers.

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	if n == nil {
		return nil
	}
	walk(n, func(c *html.Node) {
		if c.Type == html.ElementNode && c.Data == tag {
			out = append(out, c)
		}
	})
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func byID(doc *html.Node, id string) *html.Node {
	var found *html.Node
	walk(doc, func(n *html.Node) {
		if found == nil && n.Type == html.ElementNode && attr(n, "id") == id {
			found = n
		}
	})
	if found == nil {
		return doc
	}
	return found
}

func inListItem(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "li" {
			return true
		}
	}
	return false
}

// findForm is the form posting to action (or, when none posts, the one
// sending a GET there).
func findForm(doc *html.Node, action string) *html.Node {
	var get *html.Node
	for _, f := range elements(doc, "form") {
		if attr(f, "action") != action {
			continue
		}
		if strings.EqualFold(attr(f, "method"), "post") {
			return f
		}
		if get == nil {
			get = f
		}
	}
	return get
}

// findFormWith is the first form holding an element ok accepts.
func findFormWith(doc *html.Node, ok func(*html.Node) bool) *html.Node {
	for _, f := range elements(doc, "form") {
		found := false
		walk(f, func(n *html.Node) {
			if n.Type == html.ElementNode && ok(n) {
				found = true
			}
		})
		if found {
			return f
		}
	}
	return nil
}

func findClass(doc *html.Node, class string) *html.Node {
	var found *html.Node
	walk(doc, func(n *html.Node) {
		if found == nil && n.Type == html.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " "+class+" ") {
			found = n
		}
	})
	return found
}

// section is the section (or card) whose heading names name.
func section(doc *html.Node, name string) *html.Node {
	for _, s := range elements(doc, "section") {
		for _, tag := range []string{"h2", "h3", "legend"} {
			for _, h := range elements(s, tag) {
				if strings.Contains(strings.ToLower(pageText(h)), strings.ToLower(name)) {
					return s
				}
			}
		}
	}
	return nil
}

// pageText is the text of n as a reader sees it, whitespace collapsed,
// without scripts and styles.
func pageText(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode {
			b.WriteString(" ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	if n != nil {
		rec(n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func clipTour(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

package testbrowser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeVersion is the axe-core release the tests pin; .ci/run installs it.
const AxeVersion = "4.10.3"

// AxeInstall is the command that installs axe-core where AxeScript looks
// for it, run from the repository's root.
const AxeInstall = "npm install --prefix .ci/node --no-save --no-audit --no-fund axe-core@" + AxeVersion

// axeRel is where AxeInstall puts the script, relative to the root.
var axeRel = filepath.Join(".ci", "node", "node_modules", "axe-core", "axe.min.js")

var axeOnce struct {
	sync.Once
	src string
	err error
}

// AxeScript returns axe-core's axe.min.js: $PLUMBLINE_AXE_JS when set,
// else the copy AxeInstall puts in the repository's git-ignored .ci/node.
// Without it the test fails, saying how to install it: accessibility is
// checked on every machine, never skipped.
func AxeScript(t testing.TB) string {
	t.Helper()
	axeOnce.Do(func() {
		p := os.Getenv("PLUMBLINE_AXE_JS")
		if p == "" {
			p = filepath.Join(repoRoot(), axeRel)
		}
		axeOnce.src, axeOnce.err = loadAxe(p)
	})
	if axeOnce.err != nil {
		t.Fatal(axeOnce.err)
	}
	return axeOnce.src
}

// loadAxe reads axe.min.js at path and checks that it is AxeVersion; its
// errors say how to install it.
func loadAxe(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("axe-core is needed for the accessibility checks and is not installed (%v).\n"+
			"Install it from the repository's root with:\n\t%s\n(.ci/run does this on CI; or point PLUMBLINE_AXE_JS at an axe.min.js)", err, AxeInstall)
	}
	src := string(b)
	if !strings.Contains(src[:min(len(src), 400)], "axe v"+AxeVersion+"\n") {
		return "", fmt.Errorf("%s is not axe-core %s; reinstall it from the repository's root with:\n\t%s", path, AxeVersion, AxeInstall)
	}
	return src, nil
}

// repoRoot is the module's root: the folder holding go.mod above this
// source file, or above the working directory (a test's package folder)
// when the source path is not on this machine (-trimpath).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	wd, _ := os.Getwd()
	for _, dir := range []string{filepath.Dir(file), wd} {
		for dir != "" && filepath.IsAbs(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir
			}
			up := filepath.Dir(dir)
			if up == dir {
				break
			}
			dir = up
		}
	}
	return "."
}

// AxeViolation is one axe-core rule a page breaks, with the elements that
// break it.
type AxeViolation struct {
	ID     string    `json:"id"`
	Impact string    `json:"impact"`
	Help   string    `json:"help"`
	Nodes  []AxeNode `json:"nodes"`
}

// AxeNode is one element that breaks a rule: its CSS path, its HTML and
// axe's explanation.
type AxeNode struct {
	Target  []string `json:"target"`
	HTML    string   `json:"html"`
	Summary string   `json:"failureSummary"`
}

// String says which rule, how bad, and where, in a few lines.
func (v AxeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for i, n := range v.Nodes {
		if i == 5 {
			fmt.Fprintf(&b, "\n    … and %d more", len(v.Nodes)-5)
			break
		}
		html := n.HTML
		if len(html) > 160 {
			html = html[:160] + "…"
		}
		fmt.Fprintf(&b, "\n    %s %s\n      %s", strings.Join(n.Target, " "), html, strings.ReplaceAll(n.Summary, "\n", "; "))
	}
	return b.String()
}

// axeRun runs every axe-core rule but the experimental ones on the whole
// document and returns the serious and critical violations. Working out
// each element's CSS selector is much of axe's time on a large page, so
// the first run leaves selectors out, and only a page with violations is
// checked again with them, to say where they are.
const axeRun = `(async () => {
	const serious = async (selectors) => {
		const r = await axe.run(document, {resultTypes: ["violations"], selectors});
		return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
	};
	let vs = await serious(false);
	if (vs.length) vs = await serious(true);
	return vs.map((v) => ({
		id: v.id, impact: v.impact, help: v.help,
		nodes: v.nodes.map((n) => ({target: (n.target || []).map(String), html: n.html, failureSummary: n.failureSummary || ""})),
	}));
})()`

// Axe injects axe-core (script, from AxeScript) into the tab's current
// page when it is not there yet and returns the page's serious and
// critical violations, sorted by rule.
func Axe(ctx context.Context, script string) ([]AxeViolation, error) {
	has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe !== "undefined"`))
	if err != nil {
		return nil, fmt.Errorf("look for axe-core: %w", err)
	}
	if !has {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](script)); err != nil {
			return nil, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	var vs []AxeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		return nil, fmt.Errorf("axe-core's answer: %w", err)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].ID < vs[j].ID })
	return vs, nil
}

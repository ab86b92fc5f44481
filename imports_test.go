package main

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The rooms' import rules (DESIGN.md §2), checked on the real package
// graph with go list -deps: a package and everything it pulls in.

const module = "github.com/plumbline/plumbline"

// pkgInfo is one package as go list reports it.
type pkgInfo struct {
	path     string
	standard bool
	deps     []string // transitive, go list -deps
	imports  []string // direct
}

// listPackages runs go list over the module's packages (tests excluded).
func listPackages(t *testing.T) map[string]*pkgInfo {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{.Standard}}|{{join .Deps \",\"}}|{{join .Imports \",\"}}", "-deps", "./...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]*pkgInfo{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 4 {
			t.Fatalf("go list line %q", sc.Text())
		}
		p := &pkgInfo{path: f[0], standard: f[1] == "true"}
		if f[2] != "" {
			p.deps = strings.Split(f[2], ",")
		}
		if f[3] != "" {
			p.imports = strings.Split(f[3], ",")
		}
		pkgs[p.path] = p
	}
	return pkgs
}

// importRule is one rule: for each of the module's packages that match
// from, no package in its (direct or transitive) imports may match deny.
type importRule struct {
	name       string
	from       func(pkg string) bool
	deny       func(dep *pkgInfo) bool
	transitive bool
}

func under(prefixes ...string) func(string) bool {
	return func(p string) bool {
		for _, pre := range prefixes {
			full := module + "/" + pre
			if p == full || strings.HasPrefix(p, full+"/") {
				return true
			}
		}
		return false
	}
}

func is(pkgs ...string) func(string) bool {
	return func(p string) bool {
		for _, x := range pkgs {
			if p == module+"/"+x {
				return true
			}
		}
		return false
	}
}

func depUnder(prefixes ...string) func(*pkgInfo) bool {
	u := under(prefixes...)
	return func(d *pkgInfo) bool { return u(d.path) }
}

func depPath(paths ...string) func(*pkgInfo) bool {
	return func(d *pkgInfo) bool {
		for _, p := range paths {
			if d.path == p || strings.HasPrefix(d.path, p+"/") {
				return true
			}
		}
		return false
	}
}

func either(fs ...func(*pkgInfo) bool) func(*pkgInfo) bool {
	return func(d *pkgInfo) bool {
		for _, f := range fs {
			if f(d) {
				return true
			}
		}
		return false
	}
}

var importRules = []importRule{
	{name: "nothing under internal/ or ledger/ imports gin, server or templates",
		from: under("internal", "ledger"), transitive: true,
		deny: either(depPath("github.com/gin-gonic/gin"), depUnder("server", "templates"))},
	{name: "server imports no ledger backend",
		from: under("server"), transitive: true,
		deny: depUnder("ledger/embedded", "ledger/fabric", "ledger/chaincode")},
	{name: "internal/config imports the standard library only",
		from: is("internal/config"), transitive: true,
		deny: func(d *pkgInfo) bool { return !d.standard && d.path != module+"/internal/config" }},
	{name: "models imports the standard library only",
		from: is("models"), transitive: true,
		deny: func(d *pkgInfo) bool { return !d.standard }},
	{name: "ledger and ledger/contract import models only",
		from: is("ledger", "ledger/contract"), transitive: true,
		deny: func(d *pkgInfo) bool { return !d.standard && d.path != module+"/models" }},
	{name: "ledger/tlogproof imports the standard library and x/mod's note and tlog only",
		from: is("ledger/tlogproof"), transitive: false,
		deny: func(d *pkgInfo) bool {
			return !d.standard && d.path != "golang.org/x/mod/sumdb/note" && d.path != "golang.org/x/mod/sumdb/tlog"
		}},
	{name: "internal/app knows no HTTP",
		from: under("internal/app"), transitive: false,
		deny: either(depPath("net/http"), depPath("github.com/gin-gonic/gin"))},
	{name: "internal/jobs imports the standard library only",
		from: under("internal/jobs"), transitive: true,
		deny: func(d *pkgInfo) bool { return !d.standard }},
}

// violations lists the edges that break the rules.
func violations(pkgs map[string]*pkgInfo, rules []importRule) []string {
	var out []string
	for _, r := range rules {
		for _, p := range pkgs {
			if !strings.HasPrefix(p.path, module) || !r.from(p.path) {
				continue
			}
			deps := p.imports
			if r.transitive {
				deps = p.deps
			}
			for _, d := range deps {
				dp, ok := pkgs[d]
				if !ok {
					dp = &pkgInfo{path: d}
				}
				if r.deny(dp) {
					out = append(out, fmt.Sprintf("%s: %s imports %s", r.name, p.path, d))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	if _, ok := pkgs[module+"/server"]; !ok {
		t.Fatal("go list did not list the server package")
	}
	for _, v := range violations(pkgs, importRules) {
		t.Error(v)
	}
}

// TestImportRulesCatchAnEdge feeds the rules a graph with one forbidden
// edge of each kind added to the real one, so a rule that cannot fail
// fails here.
func TestImportRulesCatchAnEdge(t *testing.T) {
	edges := []struct{ from, to string }{
		{module + "/internal/store", "github.com/gin-gonic/gin"},
		{module + "/ledger/contract", module + "/server"},
		{module + "/internal/app", module + "/templates"},
		{module + "/server", module + "/ledger/embedded"},
		{module + "/internal/config", module + "/internal/dbx"},
		{module + "/models", "gorm.io/gorm"},
		{module + "/internal/app", "net/http"},
		{module + "/ledger/tlogproof", module + "/models"},
	}
	for _, e := range edges {
		pkgs := listPackages(t)
		p := pkgs[e.from]
		if p == nil {
			t.Fatalf("no package %s", e.from)
		}
		p.deps = append(p.deps, e.to)
		p.imports = append(p.imports, e.to)
		if len(violations(pkgs, importRules)) == 0 {
			t.Errorf("adding %s → %s breaks no rule", e.from, e.to)
		}
	}
}

// storeWrites are the read model's methods that write; server may call
// none of them (it reads the read model; writes go through internal/app
// and the ledger).
var storeWrites = []string{"Apply", "Reset", "AddEndpoint", "SetEndpointActive", "RecordAttempt", "Redeliver",
	"MarkRead", "RecordVerifyRun"}

// TestServerReadsTheStoreOnly fails when server's non-test code calls a
// write method of the read model (…Store.X( or store.X( for X in
// storeWrites).
func TestServerReadsTheStoreOnly(t *testing.T) {
	files, err := filepath.Glob("server/*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		for _, call := range storeWriteCalls(t, f, nil) {
			t.Errorf("%s: server writes the read model: %s", f, call)
		}
	}
	// The check itself finds a write.
	src := []byte("package server\nfunc f(s *Server) { s.opts.Store.Ops().MarkRead(nil, \"\", \"\", 0, now); s.opTables.Redeliver(); s.opts.Store.Apply() }\n")
	if got := storeWriteCalls(t, "x.go", src); len(got) != 3 {
		t.Errorf("the check missed a write in %q: %v", src, got)
	}
}

// readModel reports whether x names the read model or its operational
// tables: …Store, …opTables, or a call of ….Ops().
func readModel(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.SelectorExpr:
		return strings.HasSuffix(x.Sel.Name, "Store") || x.Sel.Name == "opTables"
	case *ast.CallExpr:
		sel, ok := x.Fun.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "Ops"
	}
	return false
}

func storeWriteCalls(t *testing.T, name string, src []byte) []string {
	t.Helper()
	fs := token.NewFileSet()
	var af *ast.File
	var err error
	if src != nil {
		af, err = parser.ParseFile(fs, name, src, 0)
	} else {
		af, err = parser.ParseFile(fs, name, nil, 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(af, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !slices.Contains(storeWrites, sel.Sel.Name) {
			return true
		}
		if readModel(sel.X) {
			out = append(out, fmt.Sprintf("%s: %s", fs.Position(call.Pos()), sel.Sel.Name))
		}
		return true
	})
	return out
}

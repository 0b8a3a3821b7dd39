package deps_test

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

const module = "github.com/amthub/amthub"

// binds says which code of a package a rule applies to.
type binds int

const (
	allCode     binds = iota // the package's own files and its tests
	testCode                 // only what its _test.go files add
	nonTestCode              // only its non-test files
)

// A rule forbids some imports of some packages. Paths are relative to the
// module ("hub/pipeline").
type rule struct {
	name    string
	binds   binds
	from    func(pkg string) bool
	forbids func(pkg, imp string) bool
}

// An exception allows one import that a rule forbids, for the reason given;
// with testsOnly, only in the importer's tests.
type exception struct {
	from, to, why string
	testsOnly     bool
}

// under reports whether p is one of the folders or below one of them.
func under(p string, folders ...string) bool {
	for _, f := range folders {
		if p == f || strings.HasPrefix(p, f+"/") {
			return true
		}
	}
	return false
}

// top is a package's first folder ("hub", "connectors", …); for a connector
// it is "connectors/<name>".
func top(p string) string {
	parts := strings.SplitN(p, "/", 3)
	if parts[0] == "connectors" && len(parts) > 1 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

// conformance is the kit every connector's tests pass.
const conformance = "connectors/conformance"

// testHelper reports whether p is a package that exists for tests only.
func testHelper(p string) bool {
	base := path.Base(p)
	return p == conformance || base != "test" && strings.HasSuffix(base, "test")
}

// surfaces are the top-level folders that face the outside; admin, the
// AdminCenter, is one since issue 15: staff's own front with its own login.
var surfaces = []string{"openapi", "oauth", "portal", "mappings", "admin"}

// The rules of doc.go, in its order; an import is reported under the first
// rule it breaks.
var rules = []rule{
	{
		name:    "1: hub, the root package, imports no other package of ours",
		binds:   nonTestCode,
		from:    func(p string) bool { return p == "hub" },
		forbids: func(_, imp string) bool { return imp != "hub" },
	},
	{
		name:    "2: tests under hub/ do not import connectors/",
		binds:   testCode,
		from:    func(p string) bool { return under(p, "hub") },
		forbids: func(_, imp string) bool { return under(imp, "connectors") },
	},
	{
		name:  "3: nothing under hub/ imports connectors/, openapi/, oauth/, portal/, mappings/, admin/, cmd/ or test/",
		binds: allCode,
		from:  func(p string) bool { return under(p, "hub") },
		forbids: func(_, imp string) bool {
			return under(imp, "connectors", "openapi", "oauth", "portal", "mappings", "admin", "cmd", "test")
		},
	},
	{
		name:  "4: a connector imports hub/, its own packages and the conformance kit only",
		binds: allCode,
		from:  func(p string) bool { return under(p, "connectors") },
		forbids: func(p, imp string) bool {
			return !under(imp, "hub") && top(imp) != top(p) && imp != conformance
		},
	},
	{
		name:    "5: portal does not import oauth (the citizen's account lives in hub)",
		binds:   allCode,
		from:    func(p string) bool { return under(p, "portal") },
		forbids: func(_, imp string) bool { return under(imp, "oauth") },
	},
	{
		name:  "6: openapi, oauth, portal, mappings and admin do not import one another",
		binds: allCode,
		from:  func(p string) bool { return under(p, surfaces...) },
		forbids: func(p, imp string) bool {
			return under(imp, surfaces...) && top(imp) != top(p)
		},
	},
	{
		name:    "7: only cmd/ wires connectors in",
		binds:   nonTestCode,
		from:    func(p string) bool { return !under(p, "cmd", "test", "connectors") },
		forbids: func(_, imp string) bool { return under(imp, "connectors") },
	},
	{
		name:    "8: nothing outside cmd/ and test/ imports cmd/",
		binds:   allCode,
		from:    func(p string) bool { return !under(p, "cmd", "test") },
		forbids: func(_, imp string) bool { return under(imp, "cmd") },
	},
	{
		name:    "9: test helpers serve tests only",
		binds:   nonTestCode,
		from:    func(p string) bool { return !testHelper(p) && !under(p, "test") },
		forbids: func(_, imp string) bool { return testHelper(imp) },
	},
	{
		name:    "10: nothing outside test/ imports test/",
		binds:   allCode,
		from:    func(p string) bool { return !under(p, "test") },
		forbids: func(_, imp string) bool { return under(imp, "test") },
	},
}

// The imports that break a rule on purpose, each with its reason. Keep the
// list short: an exception is a rule not yet kept or a rule that is wrong.
var exceptions = []exception{
	{"hub/hubtest", "cmd/amthub/schema", "test databases get the schema of the composed migration run", false},
	{"hub/sqlstore", "cmd/amthub/schema", "its contract tests run and list the composed migrations", true},
	// Issue 14 moved the citizen's account, and the login and consent types
	// the portal needs as the OAuth pages' site, into hub/citizens; only the
	// portal's tests still run the OAuth server beside it.
	{"portal", "oauth", "the portal's tests run the OAuth server on the same host (issue 14)", true},
	// The Chromium and axe-core helper lives with the portal, which had the
	// first browser tests; the AdminCenter's browser tests use it too.
	{"admin", "portal/browsertest", "the AdminCenter's browser tests drive Chromium and axe-core through the portal's helper (issue 15)", true},
	// The AdminCenter's tests run the real oauth.ClientService behind admin.Clients.
	{"admin", "oauth", "the AdminCenter's client pages are tested on the real OAuth client store (issue 15)", true},
	{"hub/catalogue", "cmd/amthub/schema", "its migration test runs the composed migrations before its own, then its own", true},
	// Issue 18: the FIT-Connect outbound connector is a Fachverfahren to
	// the hub; it consumes fv.<id> and replies through the Fachverfahren
	// SDK instead of a second copy of it, and its tests play the hub's side
	// with that SDK's test kit.
	{"connectors/fitconnect", "connectors/fachverfahren", "it consumes and replies through the Fachverfahren SDK (issue 18)", false},
	{"connectors/fitconnect", "connectors/fachverfahren/fvtest", "its tests play the hub's side of the queue with the SDK's test kit", true},
	{"connectors/fitconnect/fctest", "openapi/fitconnect", "it checks FIT-Connect traffic against the vendored Submission API document", false},
}

// pkgImports is what one package's code imports of ours: its own files'
// imports, and what its tests add (internal and external tests together).
type pkgImports struct {
	own, tests map[string]bool
}

// load lists every package of the module with the imports of ours that its
// code and its tests make.
func load(t *testing.T) map[string]*pkgImports {
	t.Helper()
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedImports, Tests: true, Dir: "../.."}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		t.Fatalf("load packages: %v", err)
	}
	if n := packages.PrintErrors(pkgs); n > 0 {
		t.Fatalf("load packages: %d errors", n)
	}
	all := map[string]*pkgImports{}
	entry := func(p string) *pkgImports {
		if all[p] == nil {
			all[p] = &pkgImports{own: map[string]bool{}, tests: map[string]bool{}}
		}
		return all[p]
	}
	for _, p := range pkgs {
		if strings.HasSuffix(p.ID, ".test") { // the generated test main
			continue
		}
		rel, ok := relative(p.PkgPath)
		if !ok {
			continue
		}
		isTest := strings.Contains(p.ID, " [") || strings.HasSuffix(rel, "_test")
		rel = strings.TrimSuffix(rel, "_test")
		e := entry(rel)
		for impPath := range p.Imports {
			imp, ok := relative(impPath)
			if !ok || imp == rel {
				continue
			}
			if isTest {
				e.tests[imp] = true
			} else {
				e.own[imp] = true
			}
		}
	}
	for _, e := range all {
		for imp := range e.own {
			delete(e.tests, imp)
		}
	}
	return all
}

// relative turns an import path of this module into a path relative to it.
func relative(importPath string) (string, bool) {
	return strings.CutPrefix(importPath, module+"/")
}

// violations applies the rules to the packages, with the exceptions.
func violations(all map[string]*pkgImports) []string {
	var out []string
	for p, e := range all {
		for _, imports := range []struct {
			set    map[string]bool
			isTest bool
		}{{e.own, false}, {e.tests, true}} {
			for imp := range imports.set {
				if excepted(p, imp, imports.isTest) {
					continue
				}
				for _, r := range rules {
					if r.binds == testCode && !imports.isTest || r.binds == nonTestCode && imports.isTest {
						continue
					}
					if r.from(p) && r.forbids(p, imp) {
						who := p
						if imports.isTest {
							who += " (tests)"
						}
						out = append(out, fmt.Sprintf("%s imports %s: rule %s", who, imp, r.name))
						break
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func excepted(from, to string, isTest bool) bool {
	return slices.ContainsFunc(exceptions, func(x exception) bool {
		return x.from == from && x.to == to && (isTest || !x.testsOnly)
	})
}

// TestRules fails with one line per import that breaks a rule of doc.go.
func TestRules(t *testing.T) {
	all := load(t)
	for _, want := range []string{"hub", "hub/pipeline", "cmd/amthub", "portal", "oauth", "openapi"} {
		if all[want] == nil {
			t.Fatalf("package %s not loaded: the rules would check nothing", want)
		}
	}
	for _, r := range rules {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(all)), r.from) {
			t.Errorf("rule %s applies to no package: fix or remove it", r.name)
		}
	}
	for _, v := range violations(all) {
		t.Error(v)
	}
	for _, x := range exceptions {
		if e := all[x.from]; e == nil || !e.tests[x.to] && (x.testsOnly || !e.own[x.to]) {
			t.Errorf("exception %s → %s is not needed any more: delete it", x.from, x.to)
		}
	}
}

// Package deps checks the dependency rules between amthub's own packages;
// its test runs in `make test` and fails on the first import that breaks one.
//
// The rules (paths relative to the module; "under X" means X and its
// subfolders; "tests" means _test.go files):
//
//  1. hub, the root package, imports no other package of ours: it holds the
//     domain types, errors and ports that everything else depends on.
//  2. Tests under hub/ do not import connectors/: a module is tested against
//     its own ports; a test of a module with a real connector lives with the
//     connector.
//  3. Nothing under hub/ (code or tests) imports connectors/, openapi/,
//     oauth/, portal/, mappings/, admin/, cmd/ or test/: dependencies point
//     inward.
//     Exceptions: hub/hubtest, and the tests of hub/sqlstore and
//     hub/catalogue, import cmd/amthub/schema, the composed migration list,
//     to build and check test databases with the production schema.
//  4. A connector imports hub/, its own packages (its simulator, its test
//     kit) and the conformance kit (connectors/conformance) only: connectors
//     do not know each other or the surfaces. Exception: the FIT-Connect
//     connector (connectors/fitconnect) is a Fachverfahren to the hub and
//     consumes and replies through the Fachverfahren SDK; its test kit
//     checks traffic against FIT-Connect's vendored documents
//     (openapi/fitconnect).
//  5. portal does not import oauth: a citizen's account lives in hub, and
//     the portal and the OAuth server both use it there (hub/citizens, with
//     the login and consent types the portal needs as the OAuth pages'
//     site). Exception: the portal's tests, which run both on one host.
//  6. openapi, oauth, portal, mappings and admin (the AdminCenter) do not
//     import one another: they meet in hub. The AdminCenter reaches the
//     modules (hub/staff, hub/access, hub/audit, hub/catalogue) through
//     their services and small interfaces.
//  7. Only cmd/ wires connectors in: no production code outside cmd/,
//     test/ and connectors/ imports connectors/ (tests outside hub/ may,
//     to run a module against a real simulator).
//  8. Nothing outside cmd/ and test/ imports cmd/, the wiring (exception:
//     rule 3's).
//  9. Test helpers (packages whose name ends in "test": hubtest, casetest,
//     fvtest, browsertest; and connectors/conformance) serve tests only: no
//     production code imports them, except another test helper.
//  10. Nothing outside test/ imports test/.
//
// The table in deps_test.go is the source of truth; this list and
// docs/ARCHITECTURE.md say the same in words.
package deps

#!/usr/bin/env bash
# Runs the offline vulnerability check (scripts/vulncheck.sh), then every
# test with the race detector, and prints a readable summary:
# each package's result and the top two levels of test names (so the storage
# contract suite shows per database). The full log is kept in
# test/out/test.log and printed in full when something fails.
set -uo pipefail
cd "$(dirname "$0")/.."
# The toolchain go.mod pins (see the Makefile), also when called directly.
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
mkdir -p test/out
log=test/out/test.log
start=$(date +%s)
# A vulnerability the code calls fails the run, but the tests run anyway so
# one report shows everything.
vuln_log=test/out/vulncheck.log
./scripts/vulncheck.sh >"$vuln_log" 2>&1
vuln_code=$?
go test -race -count=1 -timeout 14m -v "$@" ./... >"$log" 2>&1
code=$?
(cd deploy/check && go test -count=1 -v ./...) >>"$log" 2>&1 || code=$(( code ? code : 1 )) # manifests, dashboard, alerts (own module)
# The finder and GET /v1/routes over every (LeiKa key, ARS) pair: under the
# race detector the suite asks a sample, so all 21,000-odd pairs run here
# once without it (about a minute).
go test -count=1 -timeout 10m -v -run '^TestFinderAndRoutesAgree$' ./cmd/amthub/ >>"$log" 2>&1 || code=$(( code ? code : 1 ))
# The fault-injection run restarts the shared servers, so it runs alone,
# after the suite (build tag chaos; see test/chaos).
chaos_log=test/out/chaos.log
go test -race -count=1 -timeout 8m -tags chaos -v ./test/chaos/ >"$chaos_log" 2>&1
chaos_code=$?
cat "$chaos_log" >>"$log"
grep -E '^( {0,4}--- (PASS|FAIL|SKIP)|ok  |FAIL|panic:|--- FAIL)' "$log" | grep -vE '^ {8,}--- PASS' || true
passed=$(grep -cE '^ *--- PASS' "$log")
failed=$(grep -cE '^ *--- FAIL' "$log")
skipped=$(grep -cE '^ *--- SKIP' "$log")
grep 'report_test.go' "$chaos_log" | sed 's/^ *report_test.go:[0-9]*: /chaos: /' || true
if [[ $vuln_code -ne 0 ]]; then
  echo "=== vulnerability check (scripts/vulncheck.sh) ==="
  cat "$vuln_log"
fi
if [[ $code -ne 0 ]]; then
  echo "=== full log of the failing run ==="
  tail -n 4000 "$log"
elif [[ $chaos_code -ne 0 ]]; then
  echo "=== log of the failing fault-injection run ==="
  tail -n 400 "$chaos_log"
fi
echo "test wall time: $(( $(date +%s) - start )) s"
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
echo "vulnerability check: $([[ $vuln_code -eq 0 ]] && grep -m1 'affected by' "$vuln_log" || echo FAILED)"
echo "fault-injection run (test/chaos): $([[ $chaos_code -eq 0 ]] && echo passed || echo FAILED)"
(( code != 0 )) && exit $code
(( chaos_code != 0 )) && exit $chaos_code
exit $vuln_code

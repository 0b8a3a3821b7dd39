#!/usr/bin/env bash
# Runs every test with the race detector and prints a readable summary:
# each package's result and the top two levels of test names (so the storage
# contract suite shows per database). The full log is kept in
# test/out/test.log and printed in full when something fails.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test/out
log=test/out/test.log
start=$(date +%s)
go test -race -count=1 -timeout 14m -v "$@" ./... >"$log" 2>&1
code=$?
grep -E '^( {0,4}--- (PASS|FAIL|SKIP)|ok  |FAIL|panic:|--- FAIL)' "$log" | grep -vE '^ {8,}--- PASS' || true
passed=$(grep -cE '^ *--- PASS' "$log")
failed=$(grep -cE '^ *--- FAIL' "$log")
skipped=$(grep -cE '^ *--- SKIP' "$log")
if [[ $code -ne 0 ]]; then
  echo "=== full log of the failing run ==="
  tail -n 4000 "$log"
fi
echo "test wall time: $(( $(date +%s) - start )) s"
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
exit $code

#!/usr/bin/env bash
# Checks the code against the Go vulnerability database, offline: the
# database comes from the Go module proxy as the module golang.org/x/vulndb
# at a pinned version, is indexed once with its cmd/indexdb into the user's
# cache (${XDG_CACHE_HOME:-~/.cache}/amthub/vulndb/<version>, so a fresh clone
# on the same machine reuses it), and govulncheck reads it from there.
# Fails when the code calls a vulnerable function (govulncheck's exit
# status 3); vulnerabilities in code that is never called are only listed.
#
# To take newer advisories, raise VULNDB_VERSION to a newer pseudo-version
# (`go list -m golang.org/x/vulndb@latest` outside this module names one).
set -euo pipefail
cd "$(dirname "$0")/.."
# The standard library checked is the toolchain's: use the one go.mod pins.
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}

VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
GOVULNCHECK_VERSION=v1.9.0

log() { printf 'vulncheck: %s\n' "$*" >&2; }

db=${XDG_CACHE_HOME:-$HOME/.cache}/amthub/vulndb/$VULNDB_VERSION
mkdir -p "$(dirname "$db")"
if [[ ! -f $db/index/db.json ]]; then
  log "fetching golang.org/x/vulndb@$VULNDB_VERSION and building its index (once per version)"
  # Outside any module, so neither go.mod nor go.sum of ours is touched.
  away=$(mktemp -d); trap 'rm -rf "$away"' EXIT
  src=$(cd "$away" && go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $src/data/osv ]] || { log "ERROR: no data/osv in the downloaded vulndb ($src)"; exit 1; }
  tmp=$db.tmp.$$
  rm -rf "$tmp"
  (cd "$away" && go run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" -vulns "$src/data/osv" -out "$tmp")
  rm -rf "$db"
  mv "$tmp" "$db"
fi

log "$(go env GOVERSION), database golang.org/x/vulndb@$VULNDB_VERSION"
go run "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION" -db "file://$db" ./...

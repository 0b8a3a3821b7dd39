#!/usr/bin/env bash
# Lists the licence of every Go module that the amthub binary links, read
# from the licence file in the module cache, as a Markdown table (the one in
# THIRD_PARTY_NOTICES.md). Exits 1 when a module has no licence file or one
# that is not on the list of licences known to be compatible with the
# EUPL-1.2 (permissive ones, and the MPL-2.0 that the EUPL's appendix names).
set -euo pipefail
cd "$(dirname "$0")/.."

classify() { # licence file → SPDX identifier, or "unknown"
  local f=$1
  if grep -q 'Apache License' "$f" && grep -q 'Version 2.0' "$f"; then echo Apache-2.0
  elif grep -q 'Mozilla Public License' "$f" && grep -q 'Version 2.0' "$f"; then echo MPL-2.0
  elif grep -qi 'Permission is hereby granted, free of charge' "$f"; then echo MIT
  elif grep -qi 'Permission to use, copy, modify, and/or distribute' "$f" ||
    grep -qi 'Permission to use, copy, modify, and distribute' "$f"; then echo ISC
  elif grep -q 'Redistribution and use in source and binary forms' "$f"; then
    if grep -qiE 'Neither the name|names of its contributors|name of the copyright holder' "$f"; then echo BSD-3-Clause
    else echo BSD-2-Clause; fi
  else echo unknown; fi
}

status=0
echo "| module | version | licence |"
echo "|---|---|---|"
while read -r path version dir; do
  file=$(find "$dir" -maxdepth 1 -type f \( -iname 'LICENSE*' -o -iname 'LICENCE*' -o -iname 'COPYING*' \) | sort | head -1)
  if [[ -z $file ]]; then
    lic="none found"; status=1
  else
    lic=$(classify "$file")
    [[ $lic == unknown ]] && status=1
  fi
  echo "| $path | $version | $lic |"
done < <(go list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}' ./cmd/amthub | sort -u)
exit $status

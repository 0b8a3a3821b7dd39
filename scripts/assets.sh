#!/usr/bin/env bash
# Builds the AdminCenter's browser assets: installs the pinned npm packages
# of admin/assets (package.json + package-lock.json) and copies what the
# pages use into admin/static, which is committed and embedded, so that
# building and running amthub needs only Go. Run it after changing
# admin/assets/package.json; `git diff admin/static` shows what changed.
#
# KERN UX (@kern-ux/native, EUPL-1.2): the stylesheet and the Fira Sans
# faces its stylesheet names (font weights 300–700, upright and italic).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/admin/assets
out=$root/admin/static
(cd "$src" && npm ci --ignore-scripts --no-audit --no-fund)
kern=$src/node_modules/@kern-ux/native
rm -rf "$out/kern"
mkdir -p "$out/kern/fonts/fira-sans"
cp "$kern/dist/kern.min.css" "$out/kern/kern.min.css"
cp "$kern/dist/fonts/fira-sans.css" "$out/kern/fonts/fira-sans.css"
for f in $(grep -o 'FiraSans-[A-Za-z]*\.woff2' "$kern/dist/fonts/fira-sans.css" | sort -u); do
	cp "$kern/dist/fonts/fira-sans/$f" "$out/kern/fonts/fira-sans/$f"
done
cp "$kern/LICENSE.md" "$out/kern/LICENSE.md"
echo "admin/static/kern: $(du -sh "$out/kern" | cut -f1)"

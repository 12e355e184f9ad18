#!/usr/bin/env bash
# Vendor axe-core, the accessibility rules engine tests/web/test_accessibility.py runs in Chromium, from the npm
# registry into tests/web/vendor/axe-core/: the test then needs no network and no CDN. It is a test tool, never
# served by the app, so it lives under tests/ and not in src/scrutiny/web/static/vendor (scripts/vendor_web.sh).
# Pins an exact version; `npm pack` checks the registry's integrity hash; the bundle's licence (MPL-2.0) and its
# third-party notices come with it, and VERSION records the version and the bundle's SHA-256. The results are
# committed; run this only to change the version:
#   scripts/vendor_axe.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.1
DEST=tests/web/vendor/axe-core
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent "axe-core@$VERSION" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$DEST"
for file in axe.min.js LICENSE LICENSE-3RD-PARTY.txt; do
  cp "$WORK/package/$file" "$DEST/"
done
{
  echo "axe-core@$VERSION"
  (cd "$DEST" && sha256sum axe.min.js)
} >"$DEST/VERSION"
echo "vendored axe-core@$VERSION -> $DEST"

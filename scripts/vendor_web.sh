#!/usr/bin/env bash
# Vendor the web front end's JavaScript from the npm registry into src/scrutiny/web/static/vendor/, so the
# dashboard never loads anything from a CDN. One function per package; each pins an exact version, takes the
# built file(s) and the LICENSE from the package tarball (`npm pack`, which checks the registry's integrity
# hash), and writes them to vendor/<package>/ with a VERSION file. The results are committed; run this only to
# change a version:
#   scripts/vendor_web.sh            # every package
#   scripts/vendor_web.sh vega htmx  # some (function names without the vendor_ prefix)
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=src/scrutiny/web/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# npm_files PACKAGE VERSION DEST FILE...: unpack PACKAGE@VERSION and copy FILE... (paths inside the package)
# and its LICENSE into $VENDOR/DEST.
npm_files() {
  local package=$1 version=$2 dest=$3
  shift 3
  local dir="$WORK/$dest"
  mkdir -p "$dir" "$VENDOR/$dest"
  (cd "$dir" && npm pack --silent "$package@$version" >/dev/null && tar xzf ./*.tgz)
  for file in "$@" LICENSE; do
    cp "$dir/package/$file" "$VENDOR/$dest/"
  done
  echo "$package@$version" >"$VENDOR/$dest/VERSION"
  echo "vendored $package@$version -> $VENDOR/$dest"
}

# no_source_map FILE...: drop the source-map comment, so browsers ask for no file that is not there.
no_source_map() { sed -i '/^\/\/# sourceMappingURL=/d; s|//# sourceMappingURL=[^ ]*$||' "$@"; }

# The dashboard's charts and partial swaps. Vega-Lite must match the schema Altair writes
# (altair.VEGALITE_VERSION); vega-embed 7 needs Vega 6.
vendor_vega() { npm_files vega 6.4.0 vega build/vega.min.js; no_source_map "$VENDOR/vega/vega.min.js"; }
vendor_vega_lite() {
  npm_files vega-lite 6.4.1 vega-lite build/vega-lite.min.js
  no_source_map "$VENDOR/vega-lite/vega-lite.min.js"
}
vendor_vega_embed() {
  npm_files vega-embed 7.3.0 vega-embed build/vega-embed.min.js
  no_source_map "$VENDOR/vega-embed/vega-embed.min.js"
}
vendor_htmx() { npm_files htmx.org 2.0.11 htmx dist/htmx.min.js; no_source_map "$VENDOR/htmx/htmx.min.js"; }
# The API docs page (/api/v1/docs): FastAPI's Swagger UI page, pointed at these files instead of a CDN.
# The bundle's source-map comment is dropped so browsers ask for nothing that is not there.
vendor_swagger_ui() {
  npm_files swagger-ui-dist 5.35.0 swagger-ui swagger-ui-bundle.js swagger-ui.css favicon-32x32.png NOTICE \
    swagger-ui-bundle.js.LICENSE.txt
  sed -i '/^\/\/# sourceMappingURL=/d' "$VENDOR/swagger-ui/swagger-ui-bundle.js" "$VENDOR/swagger-ui/swagger-ui.css"
}

if [ $# -eq 0 ]; then
  set -- $(declare -F | awk '{print $3}' | sed -n 's/^vendor_//p')
fi
for name in "$@"; do
  "vendor_$name"
done

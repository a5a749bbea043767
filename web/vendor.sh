#!/usr/bin/env bash
# Re-vendor the UI's third-party browser libraries from the npm registry at pinned versions.
#
# The gateway serves these files itself: the UI never loads code from a CDN at run time.
# To upgrade a library, change its version below, run this script, check the UI (the
# browser tests in tests/web/ exercise all three), and commit web/vendor/ as a whole.
# web/vendor/MANIFEST records each file's package, version and sha256; a test checks it.
set -euo pipefail
cd "$(dirname "$0")"

# name@version | file in the package -> file under vendor/<dir>/ (the licence goes along)
PACKAGES=(
  "marked@18.2.1 marked lib/marked.esm.js:marked.esm.js"
  "dompurify@3.4.18 dompurify dist/purify.es.mjs:purify.es.mjs LICENSE-MPL:LICENSE-MPL"
  "@highlightjs/cdn-assets@11.12.0 highlight.js es/highlight.min.js:highlight.min.js styles/github.min.css:github.min.css styles/github-dark.min.css:github-dark.min.css"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf vendor
mkdir vendor
manifest=vendor/MANIFEST
echo "# package@version  file  sha256 (written by web/vendor.sh)" >"$manifest"
for entry in "${PACKAGES[@]}"; do
  read -r spec dir files <<<"$entry"
  tarball=$(cd "$work" && npm pack --silent "$spec")
  mkdir -p "$work/$dir" "vendor/$dir"
  tar -xzf "$work/$tarball" -C "$work/$dir"
  cp "$work/$dir/package/LICENSE" "vendor/$dir/LICENSE"
  for mapping in $files LICENSE:LICENSE; do
    source=${mapping%%:*}
    target=${mapping##*:}
    [ "$source" = LICENSE ] || cp "$work/$dir/package/$source" "vendor/$dir/$target"
    echo "$spec $dir/$target $(sha256sum "vendor/$dir/$target" | cut -d' ' -f1)" >>"$manifest"
  done
done
echo "vendored into $(pwd)/vendor:"
cat "$manifest"

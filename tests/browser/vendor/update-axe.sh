#!/bin/sh
# Fetch axe-core from the npm registry and vendor its minified build and licences here.
set -eu
version="${1:-4.14.1}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "axe-core@$version" >/dev/null && tar xzf "axe-core-$version.tgz")
cp "$work/package/axe.min.js" "$here/axe.min.js"
cp "$work/package/LICENSE" "$here/axe-core.LICENSE"
cp "$work/package/LICENSE-3RD-PARTY.txt" "$here/axe-core.LICENSE-3RD-PARTY.txt"
sha256sum "$work/axe-core-$version.tgz"
echo "axe-core $version vendored; update README.md with the version and sha256 above."

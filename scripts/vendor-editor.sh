#!/bin/sh
# Rebuild feedserver/static/vendor/jodit/ from the npm registry: the admin's rich-text editor.
# Jodit (MIT) is pinned; the full es2021 build carries every language pack, Korean included.
# Usage: scripts/vendor-editor.sh [version]    (needs npm; nothing is fetched at run time)
set -eu
VERSION="${1:-4.15.13}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/feedserver/static/vendor/jodit"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "jodit@$VERSION" >/dev/null
tar xzf "jodit-$VERSION.tgz"
mkdir -p "$DEST"
cp package/es2021/jodit.min.js package/es2021/jodit.min.css "$DEST/"
cp package/LICENSE.txt "$DEST/LICENSE.txt"
INTEGRITY="$(npm view "jodit@$VERSION" dist.integrity)"
printf 'jodit %s\nfrom npm: jodit@%s (%s)\nfiles: es2021/jodit.min.js, es2021/jodit.min.css, LICENSE.txt\n' \
  "$VERSION" "$VERSION" "$INTEGRITY" > "$DEST/VERSION"
echo "jodit $VERSION -> $DEST"

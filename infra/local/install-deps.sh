#!/usr/bin/env bash
# Installs what the local stack and the tests need on a fresh Debian/Ubuntu x86-64 machine:
# PostgreSQL 15 (Debian package), Node.js/npm (for the PostgREST binary and the packager), Chromium + chromedriver
# (the verification page's browser tests), uv, the locked
# Python environment, the pinned PostgREST binary, and the AWS packager from package-lock.json. Idempotent: skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

need_apt=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15 postgresql-client-15)
command -v psql >/dev/null || need_apt+=(postgresql-client-15)
command -v npm >/dev/null || need_apt+=(nodejs npm)
command -v runuser >/dev/null || need_apt+=(util-linux)
# The verification page's tests drive a real headless Chromium (Debian's browser and its WebDriver).
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
# A font with Chinese glyphs, so the page's screenshots in Chinese are readable (the tests assert the DOM text).
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

command -v uv >/dev/null || python3 -m pip install --quiet uv
uv sync --frozen --compile-bytecode --quiet
bash infra/local/fetch-postgrest.sh >/dev/null
# The AWS packager (osls + plugin, pinned by package-lock.json); skipped while node_modules matches the lockfile.
# The same for the typed TypeScript client's generator and compiler (clients/typescript).
for dir in . clients/typescript; do
  lock_sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$dir/node_modules/.lock.sha256" 2>/dev/null)" != "$lock_sum" ]; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
    echo "$lock_sum" >"$dir/node_modules/.lock.sha256"
  fi
done
# The verification page's Ed25519 fallback, vendored from node_modules (no CDN at run time).
.venv/bin/python scripts/build_verify_page.py

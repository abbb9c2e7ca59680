#!/usr/bin/env bash
# Installs what the local stack and the tests need on a fresh Debian/Ubuntu x86-64 machine:
# PostgreSQL 15 (Debian package), Node.js/npm (for the PostgREST binary and the packager), uv, the locked
# Python environment, and the pinned PostgREST binary. Idempotent: skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

need_apt=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15 postgresql-client-15)
command -v psql >/dev/null || need_apt+=(postgresql-client-15)
command -v npm >/dev/null || need_apt+=(nodejs npm)
command -v runuser >/dev/null || need_apt+=(util-linux)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

command -v uv >/dev/null || python3 -m pip install --quiet uv
uv sync --frozen --compile-bytecode --quiet
bash infra/local/fetch-postgrest.sh >/dev/null

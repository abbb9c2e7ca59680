#!/usr/bin/env bash
# Prints the path of a Python 3.12 interpreter (the Lambda runtime's version): python3.12 on PATH, else a pyenv
# build. Bytecode and native wheels are per minor version, so the layer is compiled and smoke-tested with it.
set -euo pipefail
for candidate in "$(command -v python3.12 || true)" "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.12*/bin/python3.12; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
    echo "$candidate"
    exit 0
  fi
done
echo "python3.12 not found: it compiles the layer's bytecode for the Lambda runtime (apt/pyenv/uv python install 3.12)" >&2
exit 2

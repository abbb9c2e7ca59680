#!/usr/bin/env bash
# The /var/runtime folder of the packaged rehearsal (docs/rehearsal.md): awslambdaric and the AWS SDK that Lambda's
# python3.12 runtime provides, hash-checked binary wheels for Linux x86-64 installed with Python 3.12, plus our
# bootstrap.py. Rebuilt only when the requirements or the bootstrap change; prints the folder.
#   scripts/build_lambda_runtime.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SOURCE=infra/local/lambda_runtime
STAMP=$(cat "$SOURCE/requirements.txt" "$SOURCE/bootstrap.py" | sha256sum | cut -c1-16)
OUT=".cache/lambda-runtime/python3.12-x86_64-$STAMP"
if [ ! -f "$OUT/.complete" ]; then
  PYTHON=$(scripts/find_python312.sh)
  rm -rf "$OUT" && mkdir -p "$OUT"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --require-hashes \
    --only-binary=:all: --implementation cp --python-version 3.12 \
    --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
    --target "$OUT" -r "$SOURCE/requirements.txt" >&2
  rm -rf "$OUT/bin"
  cp "$SOURCE/bootstrap.py" "$OUT/bootstrap.py"
  chmod -R a+rX "$OUT"
  touch "$OUT/.complete"
fi
echo "$OUT"

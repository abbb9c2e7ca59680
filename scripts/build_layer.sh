#!/usr/bin/env bash
# Builds the shared Lambda layer in build/layer/python (what `layers.shared.path` in serverless.yml zips):
# the runtime dependencies pinned in uv.lock (hash-checked, binary wheels for Lambda's Linux, no boto3/botocore:
# the runtime ships them) plus our `luckymart` package, then bytecode compiled by Python 3.12 with
# unchecked-hash invalidation. The layer is read-only on Lambda, so bytecode that Python considers stale would
# be recompiled on every cold start (~0.5 s); unchecked-hash .pyc files are used as they are.
#
#   scripts/build_layer.sh [x86_64|arm64]     (default: $LAMBDA_ARCH, else x86_64)
set -euo pipefail
cd "$(dirname "$0")/.."

ARCH="${1:-${LAMBDA_ARCH:-x86_64}}"
case "$ARCH" in
  x86_64) PLATFORM=x86_64 ;;
  arm64) PLATFORM=aarch64 ;;
  *) echo "unknown architecture '$ARCH' (x86_64 or arm64)" >&2; exit 2 ;;
esac
PYTHON=$(scripts/find_python312.sh)

OUT=build/layer
rm -rf "$OUT" build/layer-requirements.txt
mkdir -p "$OUT/python"
uv export --frozen --no-dev --no-emit-project --no-header --format requirements-txt \
  --no-emit-package boto3 --no-emit-package botocore --no-emit-package s3transfer \
  >build/layer-requirements.txt
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): manylinux2014 and manylinux_2_28 wheels both load.
"$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-compile --no-deps --require-hashes \
  --only-binary=:all: --implementation cp --python-version 3.12 \
  --platform "manylinux2014_${PLATFORM}" --platform "manylinux_2_28_${PLATFORM}" \
  --target "$OUT/python" -r build/layer-requirements.txt
cp -r layers/shared/python/luckymart "$OUT/python/"
rm -rf "$OUT/python/bin"  # console scripts of the wheels: nothing runs them on Lambda
# certifi's CA bundle again as an OpenSSL hashed directory (serverless.yml SSL_CERT_DIR, which httpx and OpenSSL
# honour): a TLS handshake then reads the one CA it needs, where the bundle costs every cold start ~20 ms of parsing
# ~150 certificates. Regular files, not `openssl rehash`'s symlinks, so the zip holds them as they are.
CERTS="$OUT/python/ca-certificates"
mkdir -p "$CERTS"
awk -v dir="$CERTS" '/-----BEGIN CERTIFICATE-----/ {n++} n {print > sprintf("%s/cert-%03d.pem", dir, n)}' \
  "$OUT/python/certifi/cacert.pem"
openssl rehash "$CERTS"
for link in "$CERTS"/*.[0-9]; do
  cp --remove-destination "$(readlink -f "$link")" "$link"
done
rm "$CERTS"/cert-*.pem
find "$OUT/python" -name __pycache__ -type d -prune -exec rm -rf {} +
# Reproducible bytecode (same sources → same layer hash → no new layer version on deploy): a fixed hash seed keeps
# frozenset constants in order; one process, as parallel workers marshal some modules differently.
PYTHONHASHSEED=0 "$PYTHON" -m compileall -q --invalidation-mode unchecked-hash "$OUT/python" >/dev/null
echo "$ARCH" >"$OUT/ARCH"
echo "layer ($ARCH): $(du -sm --apparent-size "$OUT/python" | cut -f1) MB unzipped in $OUT"

#!/usr/bin/env bash
# `make package`: builds the layer, then packages every stage with osls into build/package/<stage>/ without AWS
# credentials, and lints each CloudFormation template with cfn-lint (any error or warning fails).
#   scripts/package.sh [stage ...]        (default: every config/<stage>.yml)
set -euo pipefail
cd "$(dirname "$0")/.."

stages=("$@")
if [ ${#stages[@]} -eq 0 ]; then
  for file in config/*.yml; do stages+=("$(basename "$file" .yml)"); done
fi
scripts/build_layer.sh
# The front door's web ACL is a separate us-east-1 stack (make deploy-edge): plain CloudFormation, linted as is.
.venv/bin/cfn-lint --regions us-east-1 -- infra/serverless/edge-waf.yml
for stage in "${stages[@]}"; do
  out="build/package/$stage"
  rm -rf "$out"
  # No credentials, no metadata service: packaging must not depend on an AWS account.
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
    AWS_EC2_METADATA_DISABLED=true LUCKYMART_OFFLINE_PACKAGE=1 SLS_TELEMETRY_DISABLED=1 \
    npx --no-install osls package --stage "$stage" --package "$out"
  # W3005: the per-function-role plugin adds a DependsOn that the Role's GetAtt already implies (harmless).
  .venv/bin/cfn-lint --ignore-checks W3005 -- "$out/cloudformation-template-update-stack.json"
  echo "packaged $stage: $out ($(du -k "$out/shared.zip" | cut -f1) KB layer zip), cfn-lint clean"
  # An example stage still packages (make test lints it); say which of its values are placeholders.
  .venv/bin/python -m luckymart_cli.stage_config placeholders "config/$stage.yml" | sed 's/^/  /'
done

#!/usr/bin/env bash
# Runs staticcheck, installing it from the Go module proxy when missing.
set -euo pipefail
sc=$(command -v staticcheck || true)
[[ -z $sc && -x $(go env GOPATH)/bin/staticcheck ]] && sc=$(go env GOPATH)/bin/staticcheck
if [[ -z $sc ]]; then
  go install honnef.co/go/tools/cmd/staticcheck@latest
  sc=$(go env GOPATH)/bin/staticcheck
fi
"$sc" ./...

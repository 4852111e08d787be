#!/usr/bin/env bash
# End-to-end tests: the real aws CLI against the real berth binary.
# Usage: BERTH_BIN=bin/berth test/e2e/run.sh [NN ...]   (NN: only those scripts)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${BERTH_BIN:=$root/bin/berth}"
export BERTH_BIN
source "$here/lib.sh"

work=$(mktemp -d /tmp/berth-e2e.XXXXXX)
trap 'stop_server; rm -rf "$work"' EXIT
# A clean CLI: no profile, config or credentials of the user's leak in.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN
export BERTH_ACCOUNT_ID=123456789012

status=0
for t in "$here"/[0-9][0-9]-*.sh; do
  if [[ $# -gt 0 && ! " $* " =~ " $(basename "$t" | cut -c1-2) " ]]; then
    continue
  fi
  echo "== $(basename "$t")"
  start_server "$work/data-$(basename "$t" .sh)"
  # shellcheck source=/dev/null
  source "$t"
  stop_server
done
summary || status=1
exit $status

# Shared helpers for berth's end-to-end scripts: start a real server, run
# the real aws CLI against it, count checks. Sourced, not run.

PASSED=0
FAILED=0
FAILURES=()

pass() { PASSED=$((PASSED + 1)); printf '  ok    %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); printf '  FAIL  %s\n' "$1"; [[ -n ${2:-} ]] && printf '        %s\n' "$2"; }

# check NAME EXPECTED ACTUAL
check() {
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1" "expected [$2], got [$3]"; fi
}

# expect_error NAME CODE CMD...: the command must fail with the AWS error CODE.
expect_error() {
  local name=$1 code=$2; shift 2
  local out
  if out=$("$@" 2>&1); then
    fail "$name" "succeeded, expected $code"
  elif grep -q "($code)" <<<"$out"; then
    pass "$name"
  else
    fail "$name" "expected ($code), got: $(head -c 300 <<<"$out")"
  fi
}

# start_server DATA_DIR: starts berth on a free loopback port, exports the
# aws CLI environment, sets BERTH_PID.
start_server() {
  local data_dir=$1 fifo line fd
  BERTH_DATA=$data_dir
  fifo=$(mktemp -u)
  mkfifo "$fifo"
  BERTH_CONTAINERD_NAMESPACE=berth-e2e-$$ \
    "$BERTH_BIN" server --listen 127.0.0.1:0 --data-dir "$data_dir" --log-level warn >"$fifo" 2>>"$data_dir.log" &
  BERTH_PID=$!
  exec {fd}<"$fifo"
  rm -f "$fifo"
  if ! read -r -t 60 line <&"$fd"; then
    echo "berth server did not start; log:" >&2
    cat "$data_dir.log" >&2
    exit 1
  fi
  # keep draining stdout so the server never blocks on it
  cat <&"$fd" >/dev/null &
  exec {fd}<&-
  eval "$line"
  export AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION
}

stop_server() {
  if [[ -n ${BERTH_PID:-} ]] && kill -0 "$BERTH_PID" 2>/dev/null; then
    # A stopped server leaves its tasks running (a restart adopts them):
    # stop them first, so a failed script leaves nothing behind.
    if "$BERTH_BIN" reset --data-dir "$BERTH_DATA" >/dev/null 2>&1; then
      for _ in $(seq 600); do
        [[ -z $(ls -A "$BERTH_DATA/tasks" 2>/dev/null) ]] && break
        sleep 0.2
      done
    fi
    kill -TERM "$BERTH_PID"
    wait "$BERTH_PID" 2>/dev/null || true
  fi
  BERTH_PID=
}

# restart_server: stop the server as a user would (tasks keep running) and
# start it again on the same data dir.
restart_server() {
  kill -TERM "$BERTH_PID"
  wait "$BERTH_PID" 2>/dev/null || true
  start_server "$BERTH_DATA"
}

summary() {
  echo
  if ((FAILED)); then
    printf 'failed checks:\n'; printf '  %s\n' "${FAILURES[@]}"
  fi
  echo "e2e: $PASSED passed, $FAILED failed"
  ((FAILED == 0))
}

# The CLI learned AWS_ENDPOINT_URL in v1.29 / v2.13. Older ones (Debian
# bookworm ships 2.9) get the endpoint as a flag, so the scripts run on
# either; with a current CLI they exercise the variable itself.
aws_cli_reads_endpoint_env() {
  local v major minor
  v=$(command aws --version 2>&1 | sed -n 's|^aws-cli/\([0-9]*\)\.\([0-9]*\).*|\1 \2|p')
  read -r major minor <<<"$v"
  [[ $major == 1 && $minor -ge 29 ]] || [[ $major == 2 && $minor -ge 13 ]] || [[ $major -gt 2 ]]
}
if ! aws_cli_reads_endpoint_env; then
  echo "note: $(command aws --version 2>&1 | cut -d' ' -f1) ignores AWS_ENDPOINT_URL; passing --endpoint-url" >&2
  aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }
fi

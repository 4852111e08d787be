# Tasks run for real: run-task, wait, describe, stop-task, wait — the aws
# CLI's own waiters. Needs root and containerd.
if [[ $(id -u) -ne 0 ]] || ! command -v containerd >/dev/null; then
  echo "  skip  tasks need root and containerd"
  return 0
fi
archive=$(cd "$root" && go run ./internal/testutil/testimage/buildimage "$work/image")
"$BERTH_BIN" images load --data-dir "$work/data-04-tasks" "$archive" >/dev/null
check "berth images ls shows the loaded image" "docker.io/berth-test/app:latest" \
  "$("$BERTH_BIN" images ls --data-dir "$work/data-04-tasks" | awk 'NR==2 {print $1}')"

aws ecs create-cluster --cluster-name apps >/dev/null
cat >"$work/web.json" <<'JSON'
{"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "web", "image": "berth-test/app:latest", "command": ["serve"],
   "stopTimeout": 5}]}
JSON
aws ecs register-task-definition --cli-input-json "file://$work/web.json" >/dev/null
subnet=$(aws ec2 describe-subnets --filters Name=default-for-az,Values=true --query 'Subnets[0].SubnetId' --output text)
net="awsvpcConfiguration={subnets=[$subnet]}"

arn=$(aws ecs run-task --cluster apps --task-definition web --launch-type FARGATE \
  --network-configuration "$net" --query 'tasks[0].taskArn' --output text)
check "run-task answers PROVISIONING" "PROVISIONING" \
  "$(aws ecs describe-tasks --cluster apps --tasks "$arn" --query 'tasks[0].lastStatus' --output text | sed 's/PENDING\|ACTIVATING\|RUNNING/PROVISIONING/')"
if aws ecs wait tasks-running --cluster apps --tasks "$arn"; then pass "wait tasks-running"; else fail "wait tasks-running"; fi
out=$(aws ecs describe-tasks --cluster apps --tasks "$arn")
check "describe-tasks: RUNNING" "RUNNING RUNNING" "$(jq -r '.tasks[0] | "\(.lastStatus) \(.containers[0].lastStatus)"' <<<"$out")"
check "describe-tasks: launch type and size" "FARGATE 256 512" "$(jq -r '.tasks[0] | "\(.launchType) \(.cpu) \(.memory)"' <<<"$out")"
check "describe-tasks: runtime id and image digest" "true" \
  "$(jq '.tasks[0].containers[0] | (.runtimeId | length > 0) and (.imageDigest | startswith("sha256:"))' <<<"$out")"
check "list-tasks" "$arn" "$(aws ecs list-tasks --cluster apps --query 'taskArns[0]' --output text)"

aws ecs stop-task --cluster apps --task "$arn" --reason "e2e done" >/dev/null
if aws ecs wait tasks-stopped --cluster apps --tasks "$arn"; then pass "wait tasks-stopped"; else fail "wait tasks-stopped"; fi
out=$(aws ecs describe-tasks --cluster apps --tasks "$arn")
check "stopped: code, reason, exit code" "UserInitiated e2e done 0" \
  "$(jq -r '.tasks[0] | "\(.stopCode) \(.stoppedReason) \(.containers[0].exitCode)"' <<<"$out")"

bad=$(aws ecs run-task --cluster apps --task-definition web --launch-type EC2 --network-configuration "$net" 2>&1)
grep -q "InvalidParameterException" <<<"$bad" && pass "launch type EC2 is refused" || fail "launch type EC2 is refused" "$bad"
expect_error "run-task without network configuration" InvalidParameterException \
  aws ecs run-task --cluster apps --task-definition web --launch-type FARGATE

# CloudWatch Logs with the aws CLI: groups, streams, events, filter
# patterns, and a task's output through the awslogs driver. (`aws logs
# tail` is CLI v2's; the CLI here is v1, so filter-log-events, which tail
# polls, stands in for it.)
aws logs create-log-group --log-group-name /e2e/api
aws logs create-log-stream --log-group-name /e2e/api --log-stream-name s1
now=$(($(date +%s) * 1000))
aws logs put-log-events --log-group-name /e2e/api --log-stream-name s1 --log-events \
  "timestamp=$now,message=GET /a 200" "timestamp=$((now + 1)),message=GET /b 500" >/dev/null
check "get-log-events from the head" "GET /a 200|GET /b 500" \
  "$(aws logs get-log-events --log-group-name /e2e/api --log-stream-name s1 --start-from-head --query 'events[].message' --output text | tr '\t' '|')"
check "filter-log-events with a pattern" "GET /b 500" \
  "$(aws logs filter-log-events --log-group-name /e2e/api --filter-pattern '[verb, path, code=5*]' --query 'events[].message' --output text)"
check "describe-log-streams: last event" "$((now + 1))" \
  "$(aws logs describe-log-streams --log-group-name /e2e/api --query 'logStreams[0].lastEventTimestamp' --output text)"
expect_error "put-log-events to a missing stream" ResourceNotFoundException \
  aws logs put-log-events --log-group-name /e2e/api --log-stream-name nope --log-events "timestamp=$now,message=x"
expect_error "put-retention-policy with a period CloudWatch lacks" InvalidParameterException \
  aws logs put-retention-policy --log-group-name /e2e/api --retention-in-days 2
aws logs put-retention-policy --log-group-name /e2e/api --retention-in-days 30
check "describe-log-groups: retention" "30" \
  "$(aws logs describe-log-groups --log-group-name-prefix /e2e/api --query 'logGroups[0].retentionInDays' --output text)"

if [[ $(id -u) -ne 0 ]] || ! command -v containerd >/dev/null; then
  echo "  skip  the awslogs driver needs root and containerd"
  return 0
fi
archive=$(cd "$root" && go run ./internal/testutil/testimage/buildimage "$work/image")
"$BERTH_BIN" images load --data-dir "$BERTH_DATA" "$archive" >/dev/null
# RunTask checks that ECS can assume the execution role: it must exist and
# trust ECS tasks.
aws iam create-role --role-name ecsTaskExecutionRole --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
cat >"$work/logger.json" <<'JSON'
{"family": "logger", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
 "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "app", "image": "berth-test/app:latest",
   "command": ["print", "-out", "line {n}", "-err", "warning {n}", "-lines", "3"],
   "logConfiguration": {"logDriver": "awslogs", "options": {
     "awslogs-group": "/ecs/e2e", "awslogs-region": "us-east-1",
     "awslogs-stream-prefix": "logger", "awslogs-create-group": "true"}}}]}
JSON
aws ecs register-task-definition --cli-input-json "file://$work/logger.json" >/dev/null
subnet=$(aws ec2 describe-subnets --filters Name=default-for-az,Values=true --query 'Subnets[0].SubnetId' --output text)
aws ecs create-cluster --cluster-name default >/dev/null
arn=$(aws ecs run-task --task-definition logger --launch-type FARGATE \
  --network-configuration "awsvpcConfiguration={subnets=[$subnet]}" --query 'tasks[0].taskArn' --output text)
if aws ecs wait tasks-stopped --tasks "$arn"; then pass "awslogs task ran"; else fail "awslogs task ran"; fi
id=${arn##*/}
check "the task's stream is prefix/container/task-id" "logger/app/$id" \
  "$(aws logs describe-log-streams --log-group-name /ecs/e2e --query 'logStreams[0].logStreamName' --output text)"
out=$(aws logs filter-log-events --log-group-name /ecs/e2e --start-time $(( ($(date +%s) - 600) * 1000 )) --query 'events[].message' --output text | tr '\t' '\n')
check "the task's stdout is in the group, the last line too" "3" "$(grep -c '^line [123]$' <<<"$out")"
check "the task's stderr is in the group" "3" "$(grep -c '^warning [123]$' <<<"$out")"
check "get-log-events of the task's stream" "6" \
  "$(aws logs get-log-events --log-group-name /ecs/e2e --log-stream-name "logger/app/$id" --start-from-head --query 'length(events)' --output text)"

# EventBridge with the aws CLI: rules, targets, put-events into a log
# group, test-event-pattern, errors, and ECS's task state-change events
# routed by a rule.
aws logs create-log-group --log-group-name /aws/events/e2e
group_arn="arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/e2e"
check "put-rule answers the rule's ARN" "arn:aws:events:us-east-1:123456789012:rule/orders" \
  "$(aws events put-rule --name orders --event-pattern '{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}]}}' --query RuleArn --output text)"
check "put-targets: a log group" "0" \
  "$(aws events put-targets --rule orders --targets "Id=log,Arn=$group_arn" --query FailedEntryCount --output text)"
check "list-targets-by-rule" "log" "$(aws events list-targets-by-rule --rule orders --query 'Targets[0].Id' --output text)"
id=$(aws events put-events --entries 'Source=shop,DetailType=Order,Detail="{\"total\": 150}"' --query 'Entries[0].EventId' --output text)
aws events put-events --entries 'Source=shop,DetailType=Order,Detail="{\"total\": 5}"' >/dev/null
for _ in $(seq 50); do
  out=$(aws logs filter-log-events --log-group-name /aws/events/e2e --query 'events[].logStreamName' --output text)
  [[ -n $out ]] && break
  sleep 0.2
done
check "the matching event is in the log group, in a stream named by its id" "$id" "$out"
check "test-event-pattern" "True" \
  "$(aws events test-event-pattern --event-pattern '{"detail":{"total":[{"numeric":[">",100]}]}}' \
    --event '{"id":"1","account":"123456789012","source":"shop","time":"2026-11-26T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"Order","detail":{"total":150}}' \
    --query Result --output text)"
expect_error "put-rule with an invalid pattern" InvalidEventPatternException \
  aws events put-rule --name bad --event-pattern '{"source":[]}'
expect_error "put-rule with an invalid schedule" ValidationException \
  aws events put-rule --name bad --schedule-expression 'rate(5 minute)'
expect_error "delete-rule of a rule with targets" ValidationException aws events delete-rule --name orders
expect_error "describe-rule of a missing rule" ResourceNotFoundException aws events describe-rule --name bad
aws events remove-targets --rule orders --ids log >/dev/null
aws events delete-rule --name orders
check "the rule is gone" "0" "$(aws events list-rules --query 'length(Rules)' --output text)"

if [[ $(id -u) -ne 0 ]] || ! command -v containerd >/dev/null; then
  echo "  skip  task state-change events need root and containerd"
  return 0
fi
archive=$(cd "$root" && go run ./internal/testutil/testimage/buildimage "$work/image")
"$BERTH_BIN" images load --data-dir "$BERTH_DATA" "$archive" >/dev/null
aws events put-rule --name stopped --event-pattern \
  '{"source":["aws.ecs"],"detail-type":["ECS Task State Change"],"detail":{"lastStatus":["STOPPED"]}}' >/dev/null
aws events put-targets --rule stopped --targets "Id=log,Arn=$group_arn" >/dev/null
aws ecs create-cluster --cluster-name default >/dev/null
aws ecs register-task-definition --family once --network-mode awsvpc --requires-compatibilities FARGATE \
  --cpu 256 --memory 512 --container-definitions '[{"name":"app","image":"berth-test/app:latest","command":["exit","-code","0"]}]' >/dev/null
subnet=$(aws ec2 describe-subnets --filters Name=default-for-az,Values=true --query 'Subnets[0].SubnetId' --output text)
arn=$(aws ecs run-task --task-definition once --launch-type FARGATE \
  --network-configuration "awsvpcConfiguration={subnets=[$subnet]}" --query 'tasks[0].taskArn' --output text)
if aws ecs wait tasks-stopped --tasks "$arn"; then pass "the task ran and stopped"; else fail "the task ran and stopped"; fi
for _ in $(seq 100); do
  out=$(aws logs filter-log-events --log-group-name /aws/events/e2e --filter-pattern '{ $.detail.lastStatus = "STOPPED" }' \
    --query 'events[].message' --output text)
  [[ $out == *"$arn"* ]] && break
  sleep 0.2
done
check "the task's STOPPED event reached the log group through the rule" "yes" "$([[ $out == *"$arn"* ]] && echo yes)"

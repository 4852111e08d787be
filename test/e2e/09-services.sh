# Services keep tasks running: create-service from a JSON file, the CLI's
# services-stable waiter, scaling, a new revision rolled out, delete.
# Needs root and containerd. (The ELBv2 API alone: 10-elbv2.sh.)
if [[ $(id -u) -ne 0 ]] || ! command -v containerd >/dev/null; then
  echo "  skip  services need root and containerd"
  return 0
fi
archive=$(cd "$root" && go run ./internal/testutil/testimage/buildimage "$work/image")
"$BERTH_BIN" images load --data-dir "$work/data-09-services" "$archive" >/dev/null

aws ecs create-cluster --cluster-name apps >/dev/null
cat >"$work/svc-web.json" <<'JSON'
{"family": "svc-web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "web", "image": "berth-test/app:latest", "command": ["serve"],
   "portMappings": [{"containerPort": 8080}], "stopTimeout": 5}]}
JSON
aws ecs register-task-definition --cli-input-json "file://$work/svc-web.json" >/dev/null
subnet=$(aws ec2 describe-subnets --filters Name=default-for-az,Values=true --query 'Subnets[0].SubnetId' --output text)
cat >"$work/service.json" <<JSON
{"cluster": "apps", "serviceName": "web", "taskDefinition": "svc-web", "desiredCount": 2,
 "launchType": "FARGATE",
 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["$subnet"], "assignPublicIp": "DISABLED"}},
 "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 200,
   "deploymentCircuitBreaker": {"enable": true, "rollback": true}}}
JSON
check "create-service from a JSON file" "ACTIVE" \
  "$(aws ecs create-service --cli-input-json "file://$work/service.json" --query service.status --output text)"
if aws ecs wait services-stable --cluster apps --services web; then pass "wait services-stable"; else fail "wait services-stable"; fi
check "describe-services: counts" "2 0" \
  "$(aws ecs describe-services --cluster apps --services web | jq -r '.services[0] | "\(.runningCount) \(.pendingCount)"')"
# The waiter asks only for one deployment at the desired count; the
# deployment completes once its tasks have settled (a few seconds).
for _ in $(seq 50); do
  out=$(aws ecs describe-services --cluster apps --services web)
  [[ $(jq -r '.services[0].deployments[0].rolloutState' <<<"$out") == COMPLETED ]] && break
  sleep 0.2
done
check "describe-services: rollout completed, steady state event" "COMPLETED (service web) has reached a steady state." \
  "$(jq -r '.services[0] | "\(.deployments[0].rolloutState) \(.events[0].message)"' <<<"$out")"
check "list-tasks by service" "2" "$(aws ecs list-tasks --cluster apps --service-name web --query 'length(taskArns)' --output text)"
check "list-services" "web" "$(aws ecs list-services --cluster apps --query 'serviceArns[0]' --output text | sed 's|.*/||')"

aws ecs update-service --cluster apps --service web --desired-count 3 >/dev/null
if aws ecs wait services-stable --cluster apps --services web; then pass "scale out: stable"; else fail "scale out: stable"; fi
check "scale out: 3 running" "3" "$(aws ecs describe-services --cluster apps --services web --query 'services[0].runningCount' --output text)"

aws ecs register-task-definition --cli-input-json "file://$work/svc-web.json" >/dev/null
aws ecs update-service --cluster apps --service web --task-definition svc-web:2 >/dev/null
if aws ecs wait services-stable --cluster apps --services web; then pass "rollout: stable"; else fail "rollout: stable"; fi
check "rollout: every task runs revision 2" "svc-web:2" \
  "$(aws ecs describe-tasks --cluster apps --tasks $(aws ecs list-tasks --cluster apps --service-name web --query 'taskArns' --output text) \
     --query 'tasks[].taskDefinitionArn' --output text | tr '\t' '\n' | sed 's|.*/||' | sort -u)"

expect_error "delete-service above zero without force" InvalidParameterException \
  aws ecs delete-service --cluster apps --service web
check "delete-service --force" "DRAINING" \
  "$(aws ecs delete-service --cluster apps --service web --force --query service.status --output text)"
if aws ecs wait services-inactive --cluster apps --services web; then pass "wait services-inactive"; else fail "wait services-inactive"; fi
check "no task left" "0" "$(aws ecs list-tasks --cluster apps --service-name web --query 'length(taskArns)' --output text)"

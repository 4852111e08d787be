# The seed's service story: a load balancer, target group and listener, a
# service behind them from a JSON file, services-stable, then the DNS name
# from describe-load-balancers answers curl on the host. Needs root and
# containerd, and port 80 free on 127.0.0.1.
if [[ $(id -u) -ne 0 ]] || ! command -v containerd >/dev/null; then
  echo "  skip  load balanced services need root and containerd"
  return 0
fi
archive=$(cd "$root" && go run ./internal/testutil/testimage/buildimage "$work/image")
"$BERTH_BIN" images load --data-dir "$work/data-11-alb" "$archive" >/dev/null

vpc=$(aws ec2 describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].VpcId' --output text)
subnets=$(aws ec2 describe-subnets --filters Name=default-for-az,Values=true --query 'Subnets[].SubnetId' --output text)
# The load balancer's group lets anyone reach port 80; the tasks' group
# lets only the load balancer reach 8080.
lbsg=$(aws ec2 create-security-group --group-name web-lb --description "web load balancer" --vpc-id "$vpc" --query GroupId --output text)
aws ec2 authorize-security-group-ingress --group-id "$lbsg" --protocol tcp --port 80 --cidr 0.0.0.0/0 >/dev/null
tasksg=$(aws ec2 create-security-group --group-name web-tasks --description "web tasks" --vpc-id "$vpc" --query GroupId --output text)
aws ec2 authorize-security-group-ingress --group-id "$tasksg" --protocol tcp --port 8080 --source-group "$lbsg" >/dev/null
# shellcheck disable=SC2086 # one argument per subnet
lb=$(aws elbv2 create-load-balancer --name web --subnets $subnets --security-groups "$lbsg" --query 'LoadBalancers[0].LoadBalancerArn' --output text)
tg=$(aws elbv2 create-target-group --name web --protocol HTTP --port 8080 --vpc-id "$vpc" --target-type ip \
  --health-check-path /health --health-check-interval-seconds 5 --health-check-timeout-seconds 2 --healthy-threshold-count 2 \
  --query 'TargetGroups[0].TargetGroupArn' --output text)
aws elbv2 modify-target-group-attributes --target-group-arn "$tg" --attributes Key=deregistration_delay.timeout_seconds,Value=5 >/dev/null
aws elbv2 create-listener --load-balancer-arn "$lb" --protocol HTTP --port 80 --default-actions "Type=forward,TargetGroupArn=$tg" >/dev/null

aws ecs create-cluster --cluster-name apps >/dev/null
cat >"$work/alb-web.json" <<'JSON'
{"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "web", "image": "berth-test/app:latest", "command": ["serve"],
   "portMappings": [{"containerPort": 8080}], "stopTimeout": 5}]}
JSON
aws ecs register-task-definition --cli-input-json "file://$work/alb-web.json" >/dev/null
cat >"$work/alb-service.json" <<JSON
{"cluster": "apps", "serviceName": "web", "taskDefinition": "web", "desiredCount": 2, "launchType": "FARGATE",
 "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["${subnets%%[[:space:]]*}"], "securityGroups": ["$tasksg"]}},
 "loadBalancers": [{"targetGroupArn": "$tg", "containerName": "web", "containerPort": 8080}],
 "healthCheckGracePeriodSeconds": 30}
JSON
check "create-service behind the load balancer" "ACTIVE" \
  "$(aws ecs create-service --cli-input-json "file://$work/alb-service.json" --query service.status --output text)"
if aws ecs wait services-stable --cluster apps --services web; then pass "wait services-stable"; else fail "wait services-stable"; fi
dns=$(aws elbv2 describe-load-balancers | jq -r '.LoadBalancers[].DNSName')
check "curl -I the load balancer's DNS name" "200" \
  "$(curl -s -I -m 5 -o /dev/null -w '%{http_code}' "http://$dns/")"
for _ in $(seq 60); do
  healthy=$(aws elbv2 describe-target-health --target-group-arn "$tg" --query 'length(TargetHealthDescriptions[?TargetHealth.State==`healthy`])' --output text)
  [[ $healthy == 2 ]] && break
  sleep 0.5
done
check "both targets healthy" "2" "$healthy"
check "a task answers through it" "true" \
  "$(curl -s -m 5 "http://$dns/" | jq '.hostname | test("^ip-[0-9-]+\\.us-east-1\\.compute\\.internal$")')"

aws ecs delete-service --cluster apps --service web --force >/dev/null
if aws ecs wait services-inactive --cluster apps --services web; then pass "delete-service drains"; else fail "delete-service drains"; fi
check "no target left" "0" \
  "$(aws elbv2 describe-target-health --target-group-arn "$tg" --query 'length(TargetHealthDescriptions)' --output text)"
check "no target: 503" "503" "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$dns/")"
aws ec2 revoke-security-group-ingress --group-id "$lbsg" --protocol tcp --port 80 --cidr 0.0.0.0/0 >/dev/null
for _ in $(seq 50); do
  code=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://$dns/")
  [[ $code == 000 ]] && break
  sleep 0.2
done
check "its security group no longer admits the host: no answer" "000" "$code"
aws elbv2 delete-load-balancer --load-balancer-arn "$lb"
aws elbv2 delete-target-group --target-group-arn "$tg"

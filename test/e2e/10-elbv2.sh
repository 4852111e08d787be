# The ELBv2 API with the aws CLI: the seed's load balancer, target group and
# listener, the CLI's load-balancer-available waiter, ELB's errors.
subnets=$(aws ec2 describe-subnets --filters Name=default-for-az,Values=true --query 'Subnets[].SubnetId' --output text)
vpc=$(aws ec2 describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].VpcId' --output text)
# shellcheck disable=SC2086 # one argument per subnet
lb=$(aws elbv2 create-load-balancer --name web --subnets $subnets --query 'LoadBalancers[0].LoadBalancerArn' --output text)
if aws elbv2 wait load-balancer-available --load-balancer-arns "$lb"; then pass "wait load-balancer-available"; else fail "wait load-balancer-available"; fi
check "DNSName under localhost" "true" \
  "$(aws elbv2 describe-load-balancers --names web | jq '.LoadBalancers[].DNSName | test("^web-[0-9]+\\.us-east-1\\.elb\\.localhost$")')"
check "an ENI per subnet" "$(wc -w <<<"$subnets")" \
  "$(aws ec2 describe-network-interfaces --filters 'Name=description,Values=ELB app/web/*' --query 'length(NetworkInterfaces)' --output text)"
tg=$(aws elbv2 create-target-group --name web --protocol HTTP --port 8080 --vpc-id "$vpc" --target-type ip \
  --health-check-path /health --query 'TargetGroups[0].TargetGroupArn' --output text)
check "target group health check" "/health 30 5 2" \
  "$(aws elbv2 describe-target-groups --target-group-arns "$tg" --query 'TargetGroups[0].[HealthCheckPath,HealthCheckIntervalSeconds,HealthyThresholdCount,UnhealthyThresholdCount]' --output text | tr '\t' ' ')"
check "create-listener" "HTTP 80" \
  "$(aws elbv2 create-listener --load-balancer-arn "$lb" --protocol HTTP --port 80 --default-actions "Type=forward,TargetGroupArn=$tg" \
     --query 'Listeners[0].[Protocol,Port]' --output text | tr '\t' ' ')"
expect_error "a second listener on port 80" DuplicateListener \
  aws elbv2 create-listener --load-balancer-arn "$lb" --protocol HTTP --port 80 \
    --default-actions 'Type=fixed-response,FixedResponseConfig={StatusCode=404}'
expect_error "delete a target group in use" ResourceInUse aws elbv2 delete-target-group --target-group-arn "$tg"
expect_error "a load balancer in a subnet that does not exist" SubnetNotFound \
  aws elbv2 create-load-balancer --name other --subnets subnet-00000000000000000 "${subnets%%[[:space:]]*}"
aws elbv2 delete-load-balancer --load-balancer-arn "$lb"
aws elbv2 delete-target-group --target-group-arn "$tg"
check "delete-load-balancer removes its ENIs" "0" \
  "$(aws ec2 describe-network-interfaces --filters 'Name=description,Values=ELB app/web/*' --query 'length(NetworkInterfaces)' --output text)"

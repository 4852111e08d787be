# awsvpc networking with the aws CLI: a VPC, a subnet and a security group
# allowing port 80; a task in them answers curl at its private address from
# the host, until the rule is revoked. Needs root and containerd.
if [[ $(id -u) -ne 0 ]] || ! command -v containerd >/dev/null; then
  echo "  skip  tasks need root and containerd"
  return 0
fi
archive=$(cd "$root" && go run ./internal/testutil/testimage/buildimage "$work/image")
"$BERTH_BIN" images load --data-dir "$work/data-06-awsvpc" "$archive" >/dev/null

# A 10.x.0.0/16 that no route of this host overlaps, so the host's route
# to the VPC is berth's.
block=""
for x in $(shuf -i 100-249 -n 30); do
  if ! ip -4 route show table all | grep -qE "^(10\.$x\.|10\.0\.0\.0/8)"; then block="10.$x"; break; fi
done
check "a free block for the VPC" "true" "$([[ -n $block ]] && echo true)"

vpc=$(aws ec2 create-vpc --cidr-block "$block.0.0/16" --query Vpc.VpcId --output text)
sub=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block "$block.1.0/24" --query Subnet.SubnetId --output text)
sg=$(aws ec2 create-security-group --vpc-id "$vpc" --group-name web --description "web tier" --query GroupId --output text)
aws ec2 authorize-security-group-ingress --group-id "$sg" --protocol tcp --port 80 --cidr 0.0.0.0/0 >/dev/null
check "the group allows port 80" "tcp 80 80 0.0.0.0/0" \
  "$(aws ec2 describe-security-group-rules --filters Name=group-id,Values="$sg" \
     --query 'SecurityGroupRules[?!IsEgress].[IpProtocol,FromPort,ToPort,CidrIpv4]' --output text | tr '\t' ' ')"

aws ecs create-cluster --cluster-name net >/dev/null
cat >"$work/web80.json" <<'JSON'
{"family": "web80", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "web", "image": "berth-test/app:latest", "command": ["serve", "-port", "80"],
   "stopTimeout": 5}]}
JSON
aws ecs register-task-definition --cli-input-json "file://$work/web80.json" >/dev/null
arn=$(aws ecs run-task --cluster net --task-definition web80 --launch-type FARGATE \
  --network-configuration "awsvpcConfiguration={subnets=[$sub],securityGroups=[$sg]}" --query 'tasks[0].taskArn' --output text)
if aws ecs wait tasks-running --cluster net --tasks "$arn"; then pass "wait tasks-running"; else fail "wait tasks-running"; fi
out=$(aws ecs describe-tasks --cluster net --tasks "$arn")
ip=$(jq -r '.tasks[0].attachments[0].details[] | select(.name == "privateIPv4Address") | .value' <<<"$out")
eni=$(jq -r '.tasks[0].attachments[0].details[] | select(.name == "networkInterfaceId") | .value' <<<"$out")
check "the task's address is in its subnet" "$block.1." "${ip%.*}."
check "the ENI attachment is ATTACHED" "ElasticNetworkInterface ATTACHED" \
  "$(jq -r '.tasks[0].attachments[0] | "\(.type) \(.status)"' <<<"$out")"
check "describe-network-interfaces: the task's ENI" "interface in-use $ip $sg True" \
  "$(aws ec2 describe-network-interfaces --network-interface-ids "$eni" \
     --query 'NetworkInterfaces[0].[InterfaceType,Status,PrivateIpAddress,Groups[0].GroupId,RequesterManaged]' --output text | tr '\t' ' ')"

# Safety: only an address that routes to a berth VPC uplink on this host.
if ip route get "$ip" | grep -q " dev bh"; then
  check "curl the task's private address from the host" "$ip:80" \
    "$(curl -s --max-time 5 "http://$ip/" | jq -r .local_addr)"
  aws ec2 revoke-security-group-ingress --group-id "$sg" --protocol tcp --port 80 --cidr 0.0.0.0/0 >/dev/null
  sleep 1
  check "revoked: the task no longer answers" "refused" \
    "$(curl -s --max-time 2 "http://$ip/" >/dev/null && echo answered || echo refused)"
else
  fail "$ip does not route to a berth VPC uplink: $(ip route get "$ip")"
fi

aws ecs stop-task --cluster net --task "$arn" >/dev/null
if aws ecs wait tasks-stopped --cluster net --tasks "$arn"; then pass "wait tasks-stopped"; else fail "wait tasks-stopped"; fi
expect_error "the ENI goes with the task" InvalidNetworkInterfaceID.NotFound \
  aws ec2 describe-network-interfaces --network-interface-ids "$eni"

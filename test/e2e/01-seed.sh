# The README's quick start: the seed's first steps, unchanged.
td="$root/examples/pictshare/task_definition.json"

check "sts get-caller-identity names the account" "123456789012" \
  "$(aws sts get-caller-identity --query Account --output text)"

check "create-cluster" "ACTIVE" \
  "$(aws ecs create-cluster --cluster-name pictshare --query cluster.status --output text)"
check "create-cluster is idempotent" "arn:aws:ecs:us-east-1:123456789012:cluster/pictshare" \
  "$(aws ecs create-cluster --cluster-name pictshare --query cluster.clusterArn --output text)"
check "list-clusters" "arn:aws:ecs:us-east-1:123456789012:cluster/pictshare" \
  "$(aws ecs list-clusters --query 'clusterArns[0]' --output text)"
check "describe-clusters" "pictshare ACTIVE 0" \
  "$(aws ecs describe-clusters --clusters pictshare --query 'clusters[0].[clusterName,status,runningTasksCount]' --output text | tr '\t' ' ')"
check "describe-clusters reports missing" "MISSING" \
  "$(aws ecs describe-clusters --clusters nope --query 'failures[0].reason' --output text)"

out=$(aws ecs register-task-definition --cli-input-json "file://$td")
check "register-task-definition revision" "1" "$(jq -r .taskDefinition.revision <<<"$out")"
check "register-task-definition arn" "arn:aws:ecs:us-east-1:123456789012:task-definition/pictshare:1" \
  "$(jq -r .taskDefinition.taskDefinitionArn <<<"$out")"
check "register-task-definition status" "ACTIVE" "$(jq -r .taskDefinition.status <<<"$out")"
check "register-task-definition is FARGATE-compatible" "true" "$(jq '.taskDefinition.compatibilities | index("FARGATE") != null' <<<"$out")"
check "register-task-definition registeredBy" "arn:aws:iam::123456789012:root" "$(jq -r .taskDefinition.registeredBy <<<"$out")"
check "container defaults: essential, cpu, hostPort" "true 0 80" \
  "$(jq -r '.taskDefinition.containerDefinitions[0] | "\(.essential) \(.cpu) \(.portMappings[0].hostPort)"' <<<"$out")"

out=$(aws ecs describe-task-definition --task-definition pictshare:1)
check "describe-task-definition pictshare:1" "pictshare 1 256 512 awsvpc" \
  "$(jq -r '.taskDefinition | "\(.family) \(.revision) \(.cpu) \(.memory) \(.networkMode)"' <<<"$out")"
check "describe-task-definition by family" "1" \
  "$(aws ecs describe-task-definition --task-definition pictshare --query taskDefinition.revision --output text)"

aws ecs register-task-definition --cli-input-json "file://$td" >/dev/null
check "second registration is revision 2" "2" \
  "$(aws ecs describe-task-definition --task-definition pictshare --query taskDefinition.revision --output text)"
check "list-task-definitions" "2" "$(aws ecs list-task-definitions --query 'length(taskDefinitionArns)' --output text)"
check "list-task-definitions DESC" "arn:aws:ecs:us-east-1:123456789012:task-definition/pictshare:2" \
  "$(aws ecs list-task-definitions --sort DESC --query 'taskDefinitionArns[0]' --output text)"
check "list-task-definition-families" "pictshare" \
  "$(aws ecs list-task-definition-families --query 'families[0]' --output text)"

check "deregister-task-definition" "INACTIVE" \
  "$(aws ecs deregister-task-definition --task-definition pictshare:1 --query taskDefinition.status --output text)"
check "list-task-definitions INACTIVE" "arn:aws:ecs:us-east-1:123456789012:task-definition/pictshare:1" \
  "$(aws ecs list-task-definitions --status INACTIVE --query 'taskDefinitionArns[0]' --output text)"
check "delete-task-definitions" "DELETE_IN_PROGRESS" \
  "$(aws ecs delete-task-definitions --task-definitions pictshare:1 --query 'taskDefinitions[0].status' --output text)"
expect_error "deleted revision is gone" ClientException aws ecs describe-task-definition --task-definition pictshare:1
out=$(aws ecs register-task-definition --cli-input-json "file://$td" --query taskDefinition.revision --output text)
check "revisions are never reused" "3" "$out"

arn=arn:aws:ecs:us-east-1:123456789012:cluster/pictshare
aws ecs tag-resource --resource-arn "$arn" --tags key=team,value=media >/dev/null
check "tag-resource / list-tags-for-resource" "team=media" \
  "$(aws ecs list-tags-for-resource --resource-arn "$arn" --query 'tags[0].[key,value]' --output text | tr '\t' '=')"
aws ecs untag-resource --resource-arn "$arn" --tag-keys team >/dev/null
check "untag-resource" "0" "$(aws ecs list-tags-for-resource --resource-arn "$arn" --query 'length(tags)' --output text)"

check "delete-cluster" "INACTIVE" \
  "$(aws ecs delete-cluster --cluster pictshare --query cluster.status --output text)"
check "deleted cluster leaves list-clusters" "0" "$(aws ecs list-clusters --query 'length(clusterArns)' --output text)"

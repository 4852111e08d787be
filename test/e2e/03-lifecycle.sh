# State survives a restart; `berth reset` empties the account; regions are
# separate.
td="$root/examples/pictshare/task_definition.json"
data_dir="$work/data-03-lifecycle"

aws ecs create-cluster --cluster-name keep >/dev/null
aws ecs register-task-definition --cli-input-json "file://$td" >/dev/null
aws ecs create-cluster --cluster-name west --region us-west-2 >/dev/null
check "regions are separate" "keep" \
  "$(aws ecs list-clusters --query 'clusterArns[0]' --output text | sed 's|.*/||')"
check "the other region has its own" "west" \
  "$(aws ecs list-clusters --region us-west-2 --query 'clusterArns[0]' --output text | sed 's|.*/||')"

key=$AWS_ACCESS_KEY_ID
restart_server
check "root key is kept across restarts" "$key" "$AWS_ACCESS_KEY_ID"
check "cluster survives restart" "ACTIVE" \
  "$(aws ecs describe-clusters --clusters keep --query 'clusters[0].status' --output text)"
check "task definition survives restart" "1" \
  "$(aws ecs describe-task-definition --task-definition pictshare --query taskDefinition.revision --output text)"
check "berth credentials prints the export line" "export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL" \
  "$("$BERTH_BIN" credentials --data-dir "$data_dir" | cut -d' ' -f1-2)"

"$BERTH_BIN" reset --data-dir "$data_dir" >/dev/null
check "reset removes clusters" "0" "$(aws ecs list-clusters --query 'length(clusterArns)' --output text)"
check "reset removes other regions too" "0" "$(aws ecs list-clusters --region us-west-2 --query 'length(clusterArns)' --output text)"
check "reset removes task definitions" "0" \
  "$(aws ecs list-task-definitions --query 'length(taskDefinitionArns)' --output text)"

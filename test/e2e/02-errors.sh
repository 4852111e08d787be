# Bad input gets a precise AWS error and changes nothing.
td="$root/examples/pictshare/task_definition.json"

bad=$(jq '.memory = "4096"' "$td")
expect_error "invalid Fargate cpu/memory" ClientException \
  aws ecs register-task-definition --cli-input-json "$bad"
bad=$(jq '.networkMode = "bridge"' "$td")
expect_error "Fargate needs awsvpc" ClientException \
  aws ecs register-task-definition --cli-input-json "$bad"
bad=$(jq '.containerDefinitions[0].portMappings[0].hostPort = 8080' "$td")
expect_error "awsvpc hostPort must equal containerPort" ClientException \
  aws ecs register-task-definition --cli-input-json "$bad"
check "failed registrations left nothing behind" "0" \
  "$(aws ecs list-task-definition-families --query 'length(families)' --output text)"

expect_error "describe unknown task definition" ClientException \
  aws ecs describe-task-definition --task-definition nope:1
expect_error "update unknown cluster" ClusterNotFoundException \
  aws ecs update-cluster-settings --cluster nope --settings name=containerInsights,value=enabled
expect_error "bad capacity provider" InvalidParameterException \
  aws ecs create-cluster --cluster-name cp --capacity-providers EC2_THING
check "failed create-cluster created nothing" "0" "$(aws ecs list-clusters --query 'length(clusterArns)' --output text)"

AWS_SECRET_ACCESS_KEY=wrong expect_error "wrong secret" InvalidSignatureException aws ecs list-clusters
AWS_ACCESS_KEY_ID=AKIANOTAKEY0000000 expect_error "unknown access key" UnrecognizedClientException aws ecs list-clusters
AWS_SECRET_ACCESS_KEY=wrong expect_error "wrong secret (query protocol)" SignatureDoesNotMatch aws sts get-caller-identity

# The VPC side of EC2 with the aws CLI: the default network, a VPC with a
# subnet, tags and filters.
check "a default VPC exists" "172.31.0.0/16 True" \
  "$(aws ec2 describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].[CidrBlock,IsDefault]' --output text | tr '\t' ' ')"
check "three default subnets" "3" \
  "$(aws ec2 describe-subnets --filters Name=default-for-az,Values=true --query 'length(Subnets)' --output text)"
vpc=$(aws ec2 create-vpc --cidr-block 10.20.0.0/16 --tag-specifications 'ResourceType=vpc,Tags=[{Key=Name,Value=e2e}]' --query Vpc.VpcId --output text)
check "create-vpc" "vpc-" "${vpc:0:4}"
sub=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.20.1.0/24 --availability-zone us-east-1b --query Subnet.SubnetId --output text)
check "create-subnet" "10.20.1.0/24 us-east-1b 251" \
  "$(aws ec2 describe-subnets --subnet-ids "$sub" --query 'Subnets[0].[CidrBlock,AvailabilityZone,AvailableIpAddressCount]' --output text | tr '\t' ' ')"
check "filter by tag" "$vpc" "$(aws ec2 describe-vpcs --filters Name=tag:Name,Values=e2e --query 'Vpcs[0].VpcId' --output text)"
expect_error "overlapping subnet" InvalidSubnet.Conflict \
  aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.20.1.128/25
expect_error "subnet outside the VPC" InvalidSubnet.Range \
  aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.99.0.0/24
expect_error "delete a VPC with subnets" DependencyViolation aws ec2 delete-vpc --vpc-id "$vpc"
aws ec2 delete-subnet --subnet-id "$sub" >/dev/null
aws ec2 delete-vpc --vpc-id "$vpc" >/dev/null
expect_error "deleted VPC is gone" InvalidVpcID.NotFound aws ec2 describe-vpcs --vpc-ids "$vpc"

# Security groups and rules.
sg=$(aws ec2 create-security-group --group-name web --description "web tier" --query GroupId --output text)
check "create-security-group" "sg-" "${sg:0:3}"
aws ec2 authorize-security-group-ingress --group-id "$sg" --protocol tcp --port 80 --cidr 10.0.0.0/8 >/dev/null
check "authorize-security-group-ingress" "tcp 80 80 10.0.0.0/8" \
  "$(aws ec2 describe-security-groups --group-ids "$sg" --query 'SecurityGroups[0].IpPermissions[0].[IpProtocol,FromPort,ToPort,IpRanges[0].CidrIp]' --output text | tr '\t' ' ')"
expect_error "the same rule twice" InvalidPermission.Duplicate \
  aws ec2 authorize-security-group-ingress --group-id "$sg" --protocol tcp --port 80 --cidr 10.0.0.0/8
check "describe-security-group-rules" "2" \
  "$(aws ec2 describe-security-group-rules --filters Name=group-id,Values="$sg" --query 'length(SecurityGroupRules)' --output text)"
aws ec2 revoke-security-group-ingress --group-id "$sg" --protocol tcp --port 80 --cidr 10.0.0.0/8 >/dev/null
check "revoke-security-group-ingress" "0" \
  "$(aws ec2 describe-security-groups --group-ids "$sg" --query 'length(SecurityGroups[0].IpPermissions)' --output text)"
expect_error "the default group can't be deleted" CannotDelete \
  aws ec2 delete-security-group --group-id "$(aws ec2 describe-security-groups --group-names default --query 'SecurityGroups[0].GroupId' --output text)"
aws ec2 delete-security-group --group-id "$sg" >/dev/null
expect_error "deleted group is gone" InvalidGroup.NotFound aws ec2 describe-security-groups --group-ids "$sg"

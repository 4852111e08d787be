package apitest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestRunTaskValidation: every bad RunTask gets ECS's error and starts
// nothing. (This server runs no agent; test/tasktest runs tasks for real.)
func TestRunTaskValidation(t *testing.T) {
	c, region := ecsClient(t)
	must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("default")}))
	app := fargateTaskDef("app")
	app.ExecutionRoleArn = aws.String(ecsTaskRole(t, "exec")) // RunTask checks ECS can assume it
	must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, app))
	must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, fargateTaskDef("gone")))
	must[*ecs.DeregisterTaskDefinitionOutput](t)(c.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("gone:1")}))
	e := ec2.NewFromConfig(srv.AWSConfig(region))
	subnets := must[*ec2.DescribeSubnetsOutput](t)(e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})).Subnets
	defaultSubnet := aws.ToString(subnets[0].SubnetId)
	vpc := must[*ec2.CreateVpcOutput](t)(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})).Vpc
	other := must[*ec2.CreateSubnetOutput](t)(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.9.1.0/24")})).Subnet
	otherGroup := must[*ec2.CreateSecurityGroupOutput](t)(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		VpcId: vpc.VpcId, GroupName: aws.String("other"), Description: aws.String("other VPC")}))
	vpcConfig := func(subnets, groups []string) *types.NetworkConfiguration {
		return &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: subnets, SecurityGroups: groups}}
	}
	base := func() *ecs.RunTaskInput {
		return &ecs.RunTaskInput{TaskDefinition: aws.String("app"), LaunchType: types.LaunchTypeFargate,
			NetworkConfiguration: vpcConfig([]string{defaultSubnet}, nil)}
	}
	cases := []struct {
		name   string
		mutate func(*ecs.RunTaskInput)
		code   string
		msg    string
	}{
		{"unknown cluster", func(in *ecs.RunTaskInput) { in.Cluster = aws.String("nope") }, "ClusterNotFoundException", "Cluster not found"},
		{"unknown task definition", func(in *ecs.RunTaskInput) { in.TaskDefinition = aws.String("nope") }, "InvalidParameterException", "TaskDefinition not found"},
		{"inactive task definition", func(in *ecs.RunTaskInput) { in.TaskDefinition = aws.String("gone:1") }, "ClientException", "inactive"},
		{"count 0", func(in *ecs.RunTaskInput) { in.Count = aws.Int32(0) }, "InvalidParameterException", "count"},
		{"count 11", func(in *ecs.RunTaskInput) { in.Count = aws.Int32(11) }, "InvalidParameterException", "count"},
		{"EC2 launch type", func(in *ecs.RunTaskInput) { in.LaunchType = types.LaunchTypeEc2 }, "InvalidParameterException", "FARGATE"},
		{"launch type and strategy", func(in *ecs.RunTaskInput) {
			in.CapacityProviderStrategy = []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Weight: 1}}
		}, "InvalidParameterException", "both a launch type and capacity provider strategy"},
		{"no network configuration", func(in *ecs.RunTaskInput) { in.NetworkConfiguration = nil }, "InvalidParameterException", "Network Configuration must be provided"},
		{"no subnets", func(in *ecs.RunTaskInput) {
			in.NetworkConfiguration = &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{}}}
		}, "InvalidParameterException", "subnets"},
		{"override of an unknown container", func(in *ecs.RunTaskInput) {
			in.Overrides = &types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: aws.String("ghost")}}}
		}, "InvalidParameterException", "ghost"},
		{"invalid size override", func(in *ecs.RunTaskInput) {
			in.Overrides = &types.TaskOverride{Cpu: aws.String("256"), Memory: aws.String("8192")}
		}, "ClientException", "No Fargate configuration"},
		{"propagate SERVICE", func(in *ecs.RunTaskInput) { in.PropagateTags = types.PropagateTagsService }, "InvalidParameterException", "SERVICE"},
		{"unknown subnet", func(in *ecs.RunTaskInput) {
			in.NetworkConfiguration = vpcConfig([]string{"subnet-0123456789abcdef0"}, nil)
		},
			"InvalidParameterException", "Error retrieving subnet information for [subnet-0123456789abcdef0]: The subnet ID 'subnet-0123456789abcdef0' does not exist"},
		{"subnets of two VPCs", func(in *ecs.RunTaskInput) {
			in.NetworkConfiguration = vpcConfig([]string{defaultSubnet, aws.ToString(other.SubnetId)}, nil)
		}, "InvalidParameterException", "same VPC"},
		{"unknown security group", func(in *ecs.RunTaskInput) {
			in.NetworkConfiguration = vpcConfig([]string{defaultSubnet}, []string{"sg-0123456789abcdef0"})
		},
			"InvalidParameterException", "The security group 'sg-0123456789abcdef0' does not exist"},
		{"security group of another VPC", func(in *ecs.RunTaskInput) {
			in.NetworkConfiguration = vpcConfig([]string{defaultSubnet}, []string{aws.ToString(otherGroup.GroupId)})
		}, "InvalidParameterException", aws.ToString(otherGroup.GroupId)},
		{"six security groups", func(in *ecs.RunTaskInput) {
			in.NetworkConfiguration = vpcConfig([]string{defaultSubnet}, []string{"sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"})
		}, "InvalidParameterException", "maximum of 5 security groups"},
		{"bad assignPublicIp", func(in *ecs.RunTaskInput) { in.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp = "SOMETIMES" },
			"InvalidParameterException", "assignPublicIp"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.mutate(in)
			_, err := c.RunTask(ctx, in)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
	list := must[*ecs.ListTasksOutput](t)(c.ListTasks(ctx, &ecs.ListTasksInput{DesiredStatus: types.DesiredStatusStopped}))
	running := must[*ecs.ListTasksOutput](t)(c.ListTasks(ctx, &ecs.ListTasksInput{}))
	if len(list.TaskArns)+len(running.TaskArns) != 0 {
		t.Fatalf("rejected RunTasks left tasks: %v %v", list.TaskArns, running.TaskArns)
	}

	// With no agent on this server there is no capacity: a placement
	// failure, not an error, and no task.
	out := must[*ecs.RunTaskOutput](t)(c.RunTask(ctx, base()))
	if len(out.Tasks) != 0 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) == "" {
		t.Fatalf("no capacity: %+v", out)
	}
	// No ENI is left behind by rejected or unplaced tasks.
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{}))
	if len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("ENIs left: %+v", enis.NetworkInterfaces)
	}
}

func TestTaskQueriesValidation(t *testing.T) {
	c, _ := ecsClient(t)
	must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{}))
	_, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: []string{}})
	wantAPIError(t, err, "InvalidParameterException", "tasks")
	out := must[*ecs.DescribeTasksOutput](t)(c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: []string{"0123456789abcdef0123456789abcdef", "junk"}}))
	if len(out.Tasks) != 0 || len(out.Failures) != 2 || aws.ToString(out.Failures[0].Reason) != "MISSING" {
		t.Fatalf("describe unknown: %+v", out)
	}
	_, err = c.ListTasks(ctx, &ecs.ListTasksInput{DesiredStatus: "SLEEPING"})
	wantAPIError(t, err, "InvalidParameterException", "desiredStatus")
	_, err = c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("nope")})
	wantAPIError(t, err, "ClusterNotFoundException", "")
	_, err = c.StopTask(ctx, &ecs.StopTaskInput{Task: aws.String("0123456789abcdef0123456789abcdef")})
	wantAPIError(t, err, "InvalidParameterException", "not found")
}

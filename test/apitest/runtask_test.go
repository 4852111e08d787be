package apitest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestRunTaskValidation: every bad RunTask gets ECS's error and starts
// nothing. (This server runs no agent; test/tasktest runs tasks for real.)
func TestRunTaskValidation(t *testing.T) {
	c, _ := ecsClient(t)
	must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("default")}))
	must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, fargateTaskDef("app")))
	must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, fargateTaskDef("gone")))
	must[*ecs.DeregisterTaskDefinitionOutput](t)(c.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("gone:1")}))
	net := &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}
	base := func() *ecs.RunTaskInput {
		return &ecs.RunTaskInput{TaskDefinition: aws.String("app"), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: net}
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

package apitest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// ecsTaskRole creates a role that ECS tasks may assume, deleted when the
// test ends, and returns its ARN.
func ecsTaskRole(t *testing.T, base string) string {
	t.Helper()
	c := iamClient(t)
	name := roleName(t, c, base)
	out := must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(ecsTasksTrust)}))
	return aws.ToString(out.Role.Arn)
}

// unableToAssume is ECS's message for a role it cannot assume for a task.
func unableToAssume(arn string) string {
	return "ECS was unable to assume the role '" + arn + "' that was provided for this task. " +
		"Please verify that the role being passed has the proper trust relationship and permissions " +
		"and that your IAM user has permissions to pass this role."
}

// TestRegisterTaskDefinitionRoles: a role name is the account's role (the
// ARN is shown); what is neither a name nor a role ARN is refused; the
// role need not exist yet.
func TestRegisterTaskDefinitionRoles(t *testing.T) {
	c, _ := ecsClient(t)
	in := fargateTaskDef("named-roles")
	in.TaskRoleArn = aws.String("app-task-role")
	in.ExecutionRoleArn = aws.String("ecsTaskExecutionRole")
	td := must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, in)).TaskDefinition
	if aws.ToString(td.TaskRoleArn) != "arn:aws:iam::123456789012:role/app-task-role" ||
		aws.ToString(td.ExecutionRoleArn) != "arn:aws:iam::123456789012:role/ecsTaskExecutionRole" {
		t.Fatalf("roles %q, %q", aws.ToString(td.TaskRoleArn), aws.ToString(td.ExecutionRoleArn))
	}
	described := must[*ecs.DescribeTaskDefinitionOutput](t)(c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("named-roles")}))
	if aws.ToString(described.TaskDefinition.TaskRoleArn) != "arn:aws:iam::123456789012:role/app-task-role" {
		t.Fatalf("described task role %q", aws.ToString(described.TaskDefinition.TaskRoleArn))
	}
	for _, tc := range []struct {
		name   string
		mutate func(*ecs.RegisterTaskDefinitionInput)
	}{
		{"task role of another service", func(in *ecs.RegisterTaskDefinitionInput) {
			in.TaskRoleArn = aws.String("arn:aws:ecs:us-east-1:123456789012:cluster/default")
		}},
		{"execution role that is a user", func(in *ecs.RegisterTaskDefinitionInput) {
			in.ExecutionRoleArn = aws.String("arn:aws:iam::123456789012:user/alice")
		}},
		{"a name with a path", func(in *ecs.RegisterTaskDefinitionInput) { in.TaskRoleArn = aws.String("service-role/app") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := fargateTaskDef("bad-roles")
			tc.mutate(in)
			_, err := c.RegisterTaskDefinition(ctx, in)
			wantAPIError(t, err, "ClientException", "Role is not valid")
		})
	}
	families := must[*ecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &ecs.ListTaskDefinitionFamiliesInput{FamilyPrefix: aws.String("bad-roles")}))
	if len(families.Families) != 0 {
		t.Fatalf("refused registrations left families %v", families.Families)
	}
}

// TestRunTaskRoles: RunTask refuses a task whose task or execution role
// ECS cannot assume (missing, or not trusting ecs-tasks.amazonaws.com),
// from the definition or the overrides, and creates nothing.
func TestRunTaskRoles(t *testing.T) {
	c, region := ecsClient(t)
	must[*ecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("default")}))
	execRole := ecsTaskRole(t, "exec")
	taskRole := ecsTaskRole(t, "task")
	ic := iamClient(t)
	lambdaName := roleName(t, ic, "lambda")
	lambdaRole := aws.ToString(must[*iam.CreateRoleOutput](t)(ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &lambdaName,
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})).Role.Arn)
	missing := "arn:aws:iam::123456789012:role/no-such-role"

	register := func(family, taskRole, execRole string) {
		in := fargateTaskDef(family)
		in.ExecutionRoleArn = aws.String(execRole)
		if taskRole != "" {
			in.TaskRoleArn = aws.String(taskRole)
		}
		must[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, in))
	}
	register("good", taskRole, execRole)
	register("missing-exec", "", missing)
	register("missing-task", missing, execRole)
	register("untrusted-task", lambdaRole, execRole)

	e := ec2.NewFromConfig(srv.AWSConfig(region))
	subnet := aws.ToString(must[*ec2.DescribeSubnetsOutput](t)(e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})).Subnets[0].SubnetId)
	run := func(family string, o *types.TaskOverride) error {
		_, err := c.RunTask(ctx, &ecs.RunTaskInput{TaskDefinition: aws.String(family), LaunchType: types.LaunchTypeFargate, Overrides: o,
			NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{subnet}}}})
		return err
	}
	for _, tc := range []struct {
		name     string
		family   string
		override *types.TaskOverride
		msg      string
	}{
		{"missing execution role", "missing-exec", nil, unableToAssume(missing)},
		{"missing task role", "missing-task", nil, unableToAssume(missing)},
		{"task role trusting another service", "untrusted-task", nil, unableToAssume(lambdaRole)},
		{"missing task role override", "good", &types.TaskOverride{TaskRoleArn: aws.String(missing)}, unableToAssume(missing)},
		{"untrusted execution role override", "good", &types.TaskOverride{ExecutionRoleArn: aws.String(lambdaRole)}, unableToAssume(lambdaRole)},
		{"malformed override", "good", &types.TaskOverride{TaskRoleArn: aws.String("arn:aws:iam::123456789012:group/devs")}, "Role is not valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, run(tc.family, tc.override), "ClientException", tc.msg)
		})
	}
	tasks := must[*ecs.ListTasksOutput](t)(c.ListTasks(ctx, &ecs.ListTasksInput{}))
	stopped := must[*ecs.ListTasksOutput](t)(c.ListTasks(ctx, &ecs.ListTasksInput{DesiredStatus: types.DesiredStatusStopped}))
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{}))
	if len(tasks.TaskArns)+len(stopped.TaskArns)+len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("refused RunTasks left tasks %v %v and ENIs %d", tasks.TaskArns, stopped.TaskArns, len(enis.NetworkInterfaces))
	}

	// Roles ECS can assume pass: this server runs no agent, so the task
	// then fails placement (a failure, not an error). An override (by
	// name, too) stands in for a definition's missing role.
	for _, tc := range []struct {
		family   string
		override *types.TaskOverride
	}{
		{"good", nil},
		{"missing-task", &types.TaskOverride{TaskRoleArn: aws.String(taskRole)}},
		{"missing-exec", &types.TaskOverride{ExecutionRoleArn: aws.String(execRole[len("arn:aws:iam::123456789012:role/"):])}},
	} {
		if err := run(tc.family, tc.override); err != nil {
			t.Errorf("RunTask %s with %+v: %v", tc.family, tc.override, err)
		}
	}
}

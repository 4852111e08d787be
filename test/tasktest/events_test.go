package tasktest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/berth-dev/berth/internal/testutil"
)

// TestTaskEventsAndScheduledTasks routes ECS's task state-change events
// through a rule into a log group, and runs a task from a rate(1 minute)
// rule with an ECS target, as scheduled tasks run on AWS.
func TestTaskEventsAndScheduledTasks(t *testing.T) {
	c := setup(t)
	region := c.Options().Region
	cfg := srv.AWSConfig(region)
	eb, l, roles := eventbridge.NewFromConfig(cfg), cloudwatchlogs.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	acct := testutil.TestAccountID

	// Stopped tasks go to a log group.
	const group = "/aws/events/stopped-tasks"
	if _, err := l.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	putRule(t, eb, &eventbridge.PutRuleInput{Name: aws.String("stopped-tasks"),
		EventPattern: aws.String(`{"source":["aws.ecs"],"detail-type":["ECS Task State Change"],"detail":{"lastStatus":["STOPPED"]}}`)},
		ebtypes.Target{Id: aws.String("log"), Arn: aws.String(fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, acct, group))})

	// A role EventBridge may assume, allowed to run tasks.
	roleName := "events-run-" + strings.ToLower(t.Name())
	role, err := roles.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(roleName),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = roles.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String("run")})
		_, _ = roles.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(roleName)})
	})
	if _, err := roles.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String("run"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:RunTask","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	td := register(t, c, "scheduled", nil, container("app", "/bin/sh", "-c", "echo scheduled"))
	net := network(t, c).AwsvpcConfiguration
	putRule(t, eb, &eventbridge.PutRuleInput{Name: aws.String("every-minute"), ScheduleExpression: aws.String("rate(1 minute)")},
		ebtypes.Target{Id: aws.String("run"), Arn: aws.String(fmt.Sprintf("arn:aws:ecs:%s:%s:cluster/tasks", region, acct)),
			RoleArn: role.Role.Arn, EcsParameters: &ebtypes.EcsParameters{TaskDefinitionArn: aws.String(td), TaskCount: aws.Int32(1),
				LaunchType: ebtypes.LaunchTypeFargate, NetworkConfiguration: &ebtypes.NetworkConfiguration{
					AwsvpcConfiguration: &ebtypes.AwsVpcConfiguration{Subnets: net.Subnets}}}})

	// A task of our own stops; its STOPPED event (and no other) lands in
	// the group.
	arn := start(t, c, td, nil)
	waitStatus(t, c, arn, "STOPPED", time.Minute)
	stopped := waitStoppedEvent(t, l, group, arn)
	if stopped["desiredStatus"] != "STOPPED" || stopped["stopCode"] != "EssentialContainerExited" || stopped["clusterArn"] == nil {
		t.Errorf("detail of the STOPPED event: %v", stopped)
	}

	// The schedule fires within a minute of the rule's creation minute.
	var scheduled string
	waitFor(t, "a task started by the rate(1 minute) rule", 90*time.Second, func() bool {
		out, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("tasks"), StartedBy: aws.String("events-rule/every-minute"),
			DesiredStatus: "STOPPED"})
		if err == nil && len(out.TaskArns) == 0 {
			out, err = c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("tasks"), StartedBy: aws.String("events-rule/every-minute")})
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(out.TaskArns) > 0 {
			scheduled = out.TaskArns[0]
		}
		return scheduled != ""
	})
	if _, err := eb.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String("every-minute")}); err != nil {
		t.Fatal(err)
	}
	task := waitStatus(t, c, scheduled, "STOPPED", time.Minute)
	if aws.ToString(task.TaskDefinitionArn) != td || task.LaunchType != "FARGATE" || aws.ToString(task.StartedBy) != "events-rule/every-minute" {
		t.Errorf("scheduled task %+v", task)
	}
	waitStoppedEvent(t, l, group, scheduled)
}

// putRule makes a rule with one target, removed when the test ends.
func putRule(t *testing.T, eb *eventbridge.Client, in *eventbridge.PutRuleInput, target ebtypes.Target) {
	t.Helper()
	if _, err := eb.PutRule(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: in.Name, Targets: []ebtypes.Target{target}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: in.Name, Ids: []string{aws.ToString(target.Id)}})
		_, _ = eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: in.Name})
	})
}

// waitStoppedEvent waits for the STOPPED event of a task in a log group
// where every event must be a STOPPED task-state change, and returns its
// detail.
func waitStoppedEvent(t *testing.T, l *cloudwatchlogs.Client, group, taskARN string) map[string]any {
	t.Helper()
	var found map[string]any
	waitFor(t, "the STOPPED event of "+taskARN, 30*time.Second, func() bool {
		out, err := l.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group)})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			var ev struct {
				Source     string         `json:"source"`
				DetailType string         `json:"detail-type"`
				Resources  []string       `json:"resources"`
				Detail     map[string]any `json:"detail"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(e.Message)), &ev); err != nil {
				t.Fatalf("%v: %s", err, aws.ToString(e.Message))
			}
			if ev.Source != "aws.ecs" || ev.DetailType != "ECS Task State Change" || ev.Detail["lastStatus"] != "STOPPED" {
				t.Fatalf("the group holds an event the rule does not match: %s", aws.ToString(e.Message))
			}
			if ev.Detail["taskArn"] == taskARN && len(ev.Resources) == 1 && ev.Resources[0] == taskARN {
				found = ev.Detail
			}
		}
		return found != nil
	})
	return found
}

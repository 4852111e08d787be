package tasktest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/berth-dev/berth/internal/testutil"
)

// awslogs returns a log configuration for the awslogs driver.
func awslogs(region, group string, extra ...string) *types.LogConfiguration {
	opts := map[string]string{"awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": "app"}
	for i := 0; i+1 < len(extra); i += 2 {
		opts[extra[i]] = extra[i+1]
	}
	return &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: opts}
}

// executionRole makes the role withExecutionRole names, once: RunTask
// checks ECS can assume it. A failure shows as RunTask's error.
var executionRole sync.Once

// withExecutionRole gives a definition the execution role Fargate needs
// for the awslogs driver.
func withExecutionRole(in *ecs.RegisterTaskDefinitionInput) {
	executionRole.Do(func() {
		_, _ = iam.NewFromConfig(srv.AWSConfig("")).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ecsTaskExecutionRole"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	})
	in.ExecutionRoleArn = aws.String("arn:aws:iam::" + testutil.TestAccountID + ":role/ecsTaskExecutionRole")
}

// streamMessages reads a whole log stream from the head.
func streamMessages(t *testing.T, l *cloudwatchlogs.Client, group, stream string) []string {
	t.Helper()
	out, err := l.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range out.Events {
		msgs = append(msgs, aws.ToString(e.Message))
	}
	return msgs
}

func TestAwslogsDriver(t *testing.T) {
	c := setup(t)
	region := c.Options().Region
	l := cloudwatchlogs.NewFromConfig(srv.AWSConfig(region))

	// A container that prints and exits at once: every line is shipped,
	// the last one (with no newline) too, stdout and stderr in one stream.
	app := container("app", "/testapp", "print", "-out", "out {n}", "-err", "err {n}", "-lines", "50")
	app.LogConfiguration = awslogs(region, "/ecs/logs-test", "awslogs-create-group", "true")
	td := register(t, c, "logs", withExecutionRole, app)
	arn := run(t, c, td, nil)
	waitStatus(t, c, arn, "STOPPED", time.Minute)
	stream := "app/app/" + arn[strings.LastIndex(arn, "/")+1:]
	msgs := streamMessages(t, l, "/ecs/logs-test", stream)
	var outs, errs []string
	for _, m := range msgs {
		if strings.HasPrefix(m, "out ") {
			outs = append(outs, m)
		} else {
			errs = append(errs, m)
		}
	}
	if len(outs) != 50 || len(errs) != 50 || outs[0] != "out 1" || outs[49] != "out 50" || errs[49] != "err 50" {
		t.Fatalf("stream %s has %d stdout and %d stderr lines: %q", stream, len(outs), len(errs), msgs)
	}
	if !slices.IsSortedFunc(outs, func(a, b string) int { return num(a) - num(b) }) {
		t.Fatalf("stdout lines out of order: %q", outs)
	}
	// The platform's variables reach the container (and the output shows
	// it in the logs).
	env := container("env", "/testapp", "getenv", "AWS_REGION")
	env.LogConfiguration = awslogs(region, "/ecs/logs-test")
	td = register(t, c, "logs-env", withExecutionRole, env)
	arn = run(t, c, td, nil)
	waitStatus(t, c, arn, "STOPPED", time.Minute)
	if got := streamMessages(t, l, "/ecs/logs-test", "app/env/"+arn[strings.LastIndex(arn, "/")+1:]); !slices.Equal(got, []string{region}) {
		t.Fatalf("AWS_REGION in the container: %q", got)
	}

	// Filter patterns over what tasks wrote.
	res, err := l.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/ecs/logs-test"), FilterPattern: aws.String(`"err 4" -"err 40"`)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.Events {
		got = append(got, aws.ToString(e.Message))
	}
	want := []string{"err 4", "err 41", "err 42", "err 43", "err 44", "err 45", "err 46", "err 47", "err 48", "err 49"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("filter: %q", got)
	}
}

func TestAwslogsMissingGroup(t *testing.T) {
	c := setup(t)
	app := container("app", "/testapp", "print", "-out", "x")
	app.LogConfiguration = awslogs(c.Options().Region, "/ecs/never-made")
	td := register(t, c, "logs-missing", withExecutionRole, app)
	arn := run(t, c, td, nil)
	task := waitStatus(t, c, arn, "STOPPED", time.Minute)
	if task.StopCode != types.TaskStopCodeTaskFailedToStart || !strings.Contains(aws.ToString(task.StoppedReason), "ResourceInitializationError") ||
		!strings.Contains(aws.ToString(task.StoppedReason), "The specified log group does not exist.") {
		t.Fatalf("stop %s %q", task.StopCode, aws.ToString(task.StoppedReason))
	}
}

func num(s string) int {
	n := 0
	for _, c := range s[strings.LastIndex(s, " ")+1:] {
		n = n*10 + int(c-'0')
	}
	return n
}

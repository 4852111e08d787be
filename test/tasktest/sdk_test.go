package tasktest

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/berth-dev/berth/internal/testutil"
)

// Exit codes of test/sdkapp.
const (
	sdkappOK            = 0
	sdkappNoCredentials = 3
)

// TestSDKTaskRole runs an unmodified aws-sdk-go-v2 program (default
// configuration, nothing set by hand) in a task with a role: the SDK's
// credential chain finds the role's session through the container
// credentials endpoint, and STS, reached at AWS_ENDPOINT_URL, names it.
func TestSDKTaskRole(t *testing.T) {
	c := setup(t)
	roleName := "sdk-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	roles := iam.NewFromConfig(srv.AWSConfig(c.Options().Region))
	role, err := roles.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(roleName),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = roles.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(roleName)}) })

	id, code, out := runSDKApp(t, c, "sdk-role", role.Role.Arn)
	want := "arn:aws:sts::" + testutil.TestAccountID + ":assumed-role/" + roleName + "/" + id
	if code != sdkappOK || len(out) != 1 || out[0] != want {
		t.Fatalf("sdkapp exited %d and wrote %q, want 0 and %q", code, out, want)
	}
}

// TestSDKNoTaskRole runs the same program in a task without a role: the
// chain finds nothing (no variables, no files, no credentials endpoint,
// and no instance metadata service, as on Fargate), and the execution
// role's credentials, which the agent uses for awslogs, do not leak in.
func TestSDKNoTaskRole(t *testing.T) {
	c := setup(t)
	_, code, out := runSDKApp(t, c, "sdk-no-role", nil)
	msg := strings.Join(out, "\n")
	if code != sdkappNoCredentials || !strings.Contains(msg, "sdkapp: no credentials: failed to refresh cached credentials") ||
		!strings.Contains(msg, "no EC2 IMDS role found") {
		t.Fatalf("sdkapp exited %d and wrote %q, want %d and the SDK's no-credentials error", code, out, sdkappNoCredentials)
	}
}

// runSDKApp runs /sdkapp alone in a task of the family, with the task role
// if one is given, waits for the task to stop and returns the task id, the
// container's exit code and what it wrote (stdout and stderr, by awslogs).
func runSDKApp(t *testing.T, c *ecs.Client, family string, taskRole *string) (id string, code int32, out []string) {
	t.Helper()
	region := c.Options().Region
	app := container("app", "/sdkapp")
	app.LogConfiguration = awslogs(region, "/ecs/sdk", "awslogs-create-group", "true")
	td := register(t, c, family, func(in *ecs.RegisterTaskDefinitionInput) {
		withExecutionRole(in)
		in.TaskRoleArn = taskRole
	}, app)
	arn := run(t, c, td, nil)
	task := waitStatus(t, c, arn, "STOPPED", time.Minute)
	id = arn[strings.LastIndex(arn, "/")+1:]
	exit := ctr(task, "app").ExitCode
	if aws.ToString(task.LastStatus) != "STOPPED" || exit == nil {
		t.Fatalf("task %s: %s, stop code %s %q, app exit code %v", id, aws.ToString(task.LastStatus),
			task.StopCode, aws.ToString(task.StoppedReason), exit)
	}
	if task.StopCode != types.TaskStopCodeEssentialContainerExited {
		t.Errorf("stop code %s %q, want %s", task.StopCode, aws.ToString(task.StoppedReason), types.TaskStopCodeEssentialContainerExited)
	}
	l := cloudwatchlogs.NewFromConfig(srv.AWSConfig(region))
	waitFor(t, "sdkapp's output in the task's log", 20*time.Second, func() bool {
		out = streamMessages(t, l, "/ecs/sdk", "app/app/"+id)
		return len(out) > 0
	})
	t.Logf("sdkapp exited %d after %s: %q", *exit, aws.ToTime(task.StoppedAt).Sub(aws.ToTime(task.StartedAt)).Round(time.Millisecond), out)
	return id, *exit, out
}

package tasktest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/berth-dev/berth/internal/testutil"
)

// TestTaskRole runs a task with a role: its containers get the role's
// credentials from the endpoint the SDKs use, berth accepts them as the
// role's session, and they stop working once the task has stopped.
func TestTaskRole(t *testing.T) {
	c := setup(t)
	region := c.Options().Region
	l := cloudwatchlogs.NewFromConfig(srv.AWSConfig(region))
	roles := iam.NewFromConfig(srv.AWSConfig(region))
	roleName := "task-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	role, err := roles.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(roleName),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = roles.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(roleName)}) })

	app := container("app", "/bin/sh", "-c", `/testapp fetch "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"; echo "endpoint=$AWS_ENDPOINT_URL"; sleep 3`)
	app.LogConfiguration = awslogs(region, "/ecs/role", "awslogs-create-group", "true")
	td := register(t, c, "role", func(in *ecs.RegisterTaskDefinitionInput) {
		withExecutionRole(in)
		in.TaskRoleArn = role.Role.Arn
	}, app)
	arn := run(t, c, td, nil)
	waitStatus(t, c, arn, "RUNNING", time.Minute)
	id := arn[strings.LastIndex(arn, "/")+1:]
	var msgs []string
	waitFor(t, "the credentials in the task's log", 20*time.Second, func() bool {
		msgs = streamMessages(t, l, "/ecs/role", "app/app/"+id)
		return len(msgs) >= 3
	})
	if msgs[0] != "HTTP 200" || msgs[2] != "endpoint=http://169.254.170.2:4566" {
		t.Fatalf("task output %q", msgs)
	}
	var creds struct{ AccessKeyId, SecretAccessKey, Token, Expiration, RoleArn string }
	if err := json.Unmarshal([]byte(msgs[1]), &creds); err != nil {
		t.Fatalf("%v: %s", err, msgs[1])
	}
	if creds.RoleArn != aws.ToString(role.Role.Arn) || !strings.HasPrefix(creds.AccessKeyId, "ASIA") || creds.Token == "" {
		t.Fatalf("credentials %+v", creds)
	}
	cfg := srv.AWSConfig(region)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(creds.AccessKeyId, creds.SecretAccessKey, creds.Token)
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::" + testutil.TestAccountID + ":assumed-role/" + roleName + "/" + id; aws.ToString(who.Arn) != want {
		t.Fatalf("caller %s, want %s", aws.ToString(who.Arn), want)
	}
	// The role has no policy: it may do nothing else.
	if _, err := ecs.NewFromConfig(cfg).ListClusters(ctx, &ecs.ListClustersInput{}); apiErrorCode(err) != "AccessDeniedException" {
		t.Fatalf("a role without policies listed clusters: %v", err)
	}

	waitStatus(t, c, arn, "STOPPED", time.Minute)
	waitFor(t, "the task's credentials to be revoked", 40*time.Second, func() bool {
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err != nil
	})
}

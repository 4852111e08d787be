package tasktest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestMetadataContainerARNsAndHealth runs a task that reads its v4
// metadata: each container's ContainerARN is DescribeTasks' containerArn,
// and a container with a health check shows its status and when it last
// changed.
func TestMetadataContainerARNsAndHealth(t *testing.T) {
	c := setup(t)
	region := c.Options().Region
	l := cloudwatchlogs.NewFromConfig(srv.AWSConfig(region))
	app := container("app", "/bin/sh", "-c", `sleep 3; /testapp fetch "$ECS_CONTAINER_METADATA_URI_V4/task"`)
	app.LogConfiguration = awslogs(region, "/ecs/ctrarn", "awslogs-create-group", "true")
	app.HealthCheck = &types.HealthCheck{Command: []string{"CMD-SHELL", "echo fine"}, Interval: aws.Int32(5)}
	side := container("side", "/bin/sh", "-c", "sleep 60")
	side.Essential = aws.Bool(false)
	side.StopTimeout = aws.Int32(2) // sh as pid 1 ignores SIGTERM
	td := register(t, c, "ctrarn", withExecutionRole, app, side)
	before := time.Now()
	arn := run(t, c, td, nil)
	task := waitStatus(t, c, arn, "STOPPED", time.Minute)
	id := arn[strings.LastIndex(arn, "/")+1:]
	msgs := streamMessages(t, l, "/ecs/ctrarn", "app/app/"+id)
	if len(msgs) != 2 || msgs[0] != "HTTP 200" {
		t.Fatalf("task output %q", msgs)
	}
	var meta struct {
		Containers []struct {
			Name, ContainerARN string
			Health             *struct {
				Status      string    `json:"status"`
				StatusSince time.Time `json:"statusSince"`
				Output      string    `json:"output"`
			}
		}
	}
	if err := json.Unmarshal([]byte(msgs[1]), &meta); err != nil {
		t.Fatalf("%v: %s", err, msgs[1])
	}
	described := map[string]string{}
	for _, ctr := range task.Containers {
		described[aws.ToString(ctr.Name)] = aws.ToString(ctr.ContainerArn)
	}
	if len(meta.Containers) != 2 {
		t.Fatalf("metadata containers %+v", meta.Containers)
	}
	for _, ctr := range meta.Containers {
		if ctr.ContainerARN == "" || ctr.ContainerARN != described[ctr.Name] {
			t.Errorf("container %s: metadata ContainerARN %q, DescribeTasks containerArn %q", ctr.Name, ctr.ContainerARN, described[ctr.Name])
		}
		if ctr.Name == "side" && ctr.Health != nil {
			t.Errorf("side has no health check, metadata shows %+v", ctr.Health)
		}
		if ctr.Name != "app" {
			continue
		}
		if h := ctr.Health; h == nil || h.Status != "HEALTHY" || h.StatusSince.Before(before) || h.StatusSince.After(time.Now()) || h.Output != "fine\n" {
			t.Errorf("app health %+v (task run at %s)", h, before.UTC())
		}
	}
}

package tasktest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// TestTaskMetadata runs a task that reads its own metadata and stats from
// the endpoints ECS gives it (v4 through the variable, v2 by address) and
// checks them against DescribeTasks.
func TestTaskMetadata(t *testing.T) {
	c := setup(t)
	region := c.Options().Region
	l := cloudwatchlogs.NewFromConfig(srv.AWSConfig(region))
	script := `sleep 2
/testapp fetch "$ECS_CONTAINER_METADATA_URI_V4/task"
/testapp fetch "$ECS_CONTAINER_METADATA_URI_V4/task/stats"
/testapp fetch "$ECS_CONTAINER_METADATA_URI_V4"
/testapp fetch http://169.254.170.2/v2/metadata
/testapp fetch "$ECS_CONTAINER_METADATA_URI/task"
/testapp fetch "${ECS_CONTAINER_METADATA_URI_V4%-*}-0000000000/task"`
	app := container("app", "/bin/sh", "-c", script)
	app.LogConfiguration = awslogs(region, "/ecs/meta", "awslogs-create-group", "true")
	td := register(t, c, "meta", withExecutionRole, app)
	arn := run(t, c, td, nil)
	task := waitStatus(t, c, arn, "STOPPED", time.Minute)
	id := arn[strings.LastIndex(arn, "/")+1:]
	msgs := streamMessages(t, l, "/ecs/meta", "app/app/"+id)
	if len(msgs) != 12 {
		t.Fatalf("want 6 responses, got %q", msgs)
	}
	body := func(i int, want string, v any) {
		t.Helper()
		if msgs[2*i] != want {
			t.Fatalf("response %d: %s, want %s: %s", i, msgs[2*i], want, msgs[2*i+1])
		}
		if v != nil {
			if err := json.Unmarshal([]byte(msgs[2*i+1]), v); err != nil {
				t.Fatalf("response %d: %v: %s", i, err, msgs[2*i+1])
			}
		}
	}
	type container struct {
		DockerId, Name, Image, KnownStatus, ContainerARN string
		Limits                                           map[string]float64
		Networks                                         []struct {
			NetworkMode, IPv4SubnetCIDRBlock, PrivateDNSName string
			IPv4Addresses                                    []string
		}
		LogDriver  string
		LogOptions map[string]string
	}
	var v4 struct {
		Cluster, TaskARN, Family, Revision, KnownStatus, AvailabilityZone, LaunchType string
		Limits                                                                        map[string]float64
		Containers                                                                    []container
	}
	body(0, "HTTP 200", &v4)
	ip := detail(task.Attachments[0], "privateIPv4Address")
	if v4.Cluster != aws.ToString(task.ClusterArn) || v4.TaskARN != arn || v4.Family != "meta" || v4.Revision != "1" ||
		v4.KnownStatus != "RUNNING" || v4.LaunchType != "FARGATE" || v4.AvailabilityZone != aws.ToString(task.AvailabilityZone) ||
		v4.Limits["CPU"] != 0.25 || v4.Limits["Memory"] != 512 {
		t.Fatalf("v4 task metadata %+v, task %+v", v4, task)
	}
	ctr := v4.Containers[0]
	if ctr.Name != "app" || !strings.HasPrefix(ctr.DockerId, id+"-") || len(ctr.Networks) != 1 || ctr.Networks[0].IPv4Addresses[0] != ip ||
		ctr.Networks[0].NetworkMode != "awsvpc" || ctr.LogDriver != "awslogs" || ctr.LogOptions["awslogs-group"] != "/ecs/meta" {
		t.Fatalf("v4 container %+v (task IP %s)", ctr, ip)
	}
	var stats map[string]struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		CPUStats struct {
			CPUUsage struct {
				TotalUsage uint64 `json:"total_usage"`
			} `json:"cpu_usage"`
		} `json:"cpu_stats"`
		MemoryStats struct {
			Usage uint64 `json:"usage"`
		} `json:"memory_stats"`
		Networks map[string]map[string]uint64 `json:"networks"`
	}
	body(1, "HTTP 200", &stats)
	st, ok := stats[ctr.DockerId]
	if !ok || st.ID != ctr.DockerId || st.Name != "app" || st.CPUStats.CPUUsage.TotalUsage == 0 || st.MemoryStats.Usage == 0 || st.Networks["eth1"] == nil {
		t.Fatalf("task stats %+v", stats)
	}
	var self container
	body(2, "HTTP 200", &self)
	if self.DockerId != ctr.DockerId {
		t.Fatalf("v4 container endpoint: %+v", self)
	}
	var v2 struct{ TaskARN string }
	body(3, "HTTP 200", &v2)
	if v2.TaskARN != arn {
		t.Fatalf("v2 by source address: %+v", v2)
	}
	var v3 struct{ TaskARN string }
	body(4, "HTTP 200", &v3)
	if v3.TaskARN != arn {
		t.Fatalf("v3: %+v", v3)
	}
	body(5, "HTTP 404", nil) // an id that is not the caller's
}

package tmds

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/agent/cgroups"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// fakeSource is an in-memory Source.
type fakeSource struct {
	mu       sync.Mutex
	tasks    []*Task
	cg       map[string]cgroups.Stats          // by DockerID; missing: not running
	net      map[string]map[string]NetCounters // by task id
	creds    map[string]*Credentials           // by task id
	credsErr error
	reads    int // ContainerStats calls
}

func newFakeSource(tasks ...*Task) *fakeSource {
	return &fakeSource{tasks: tasks, cg: map[string]cgroups.Stats{}, net: map[string]map[string]NetCounters{}, creds: map[string]*Credentials{}}
}

func (f *fakeSource) TaskByAddr(ip netip.Addr) (*Task, bool) {
	for _, t := range f.tasks {
		if t.Spec.ENI != nil && t.Spec.ENI.PrivateIPv4 == ip.String() {
			return t, true
		}
	}
	return nil, false
}

func (f *fakeSource) Tasks() []*Task { return f.tasks }

func (f *fakeSource) ContainerStats(t *Task, c *Container) (cgroups.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	s, ok := f.cg[c.DockerID]
	if !ok {
		return cgroups.Stats{}, fmt.Errorf("cgroups: berth/%s/%s: %w", t.Spec.TaskID, c.Name, fs.ErrNotExist)
	}
	return s, nil
}

func (f *fakeSource) NetStats(t *Task) (map[string]NetCounters, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.net[t.Spec.TaskID]
	if !ok {
		return nil, errors.New("no namespace")
	}
	return n, nil
}

func (f *fakeSource) Credentials(t *Task) (*Credentials, error) {
	if f.credsErr != nil {
		return nil, f.credsErr
	}
	c, ok := f.creds[t.Spec.TaskID]
	if !ok {
		return nil, ErrCredentialsNotFound
	}
	return c, nil
}

func (f *fakeSource) setStats(id string, s cgroups.Stats) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cg[id] = s
}

func (f *fakeSource) setNet(taskID string, n map[string]NetCounters) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.net[taskID] = n
}

const (
	taskIDA = "bfa2636268144d039771334145e490c5"
	taskIDB = "0c1e4d3bb2f04f6c9d3a7a1d8e5f6a7b"
	addrA   = "172.31.42.189"
	addrB   = "172.31.42.190"
)

var t0 = time.Date(2025, 7, 21, 15, 45, 33, 532811081, time.UTC)

func ptr[T any](v T) *T { return &v }

// fixtureTask is a representative Fargate task: an "app" container with
// ports, a health check, awslogs with a stream prefix, Docker labels, a
// memory limit, a volume and a restart policy, and a "sidecar" with no
// cpu or memory of its own, not yet started.
func fixtureTask(id, addr string) *Task {
	cluster := "arn:aws:ecs:us-east-1:123456789012:cluster/MyCluster"
	spec := agentapi.TaskSpec{
		Account:    "123456789012",
		Region:     "us-east-1",
		ClusterARN: cluster,
		TaskARN:    "arn:aws:ecs:us-east-1:123456789012:task/MyCluster/" + id,
		TaskID:     id,
		Definition: ecstypes.TaskDefinition{
			Family:   "sample-fargate",
			Revision: 5,
			Volumes:  []ecstypes.Volume{{Name: "scratch"}},
			ContainerDefinitions: []ecstypes.ContainerDefinition{
				{
					Name:         "app",
					Image:        "public.ecr.aws/docker/library/httpd:latest",
					Cpu:          256,
					Memory:       ptr(int32(512)),
					PortMappings: []ecstypes.PortMapping{{ContainerPort: ptr(int32(80)), Protocol: "tcp"}, {ContainerPort: ptr(int32(53)), Protocol: "udp"}},
					DockerLabels: map[string]string{"team": "web", "com.amazonaws.ecs.cluster": "forged"},
					MountPoints:  []ecstypes.MountPoint{{SourceVolume: "scratch", ContainerPath: "/scratch"}},
					HealthCheck:  &ecstypes.HealthCheck{Command: []string{"CMD-SHELL", "true"}},
					LogConfiguration: &ecstypes.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{
						"awslogs-create-group": "true", "awslogs-group": "/ecs/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs",
					}},
					RestartPolicy: &ecstypes.ContainerRestartPolicy{Enabled: ptr(true)},
				},
				{Name: "sidecar", Image: "busybox"},
			},
		},
		CPU:           256,
		MemoryMiB:     512,
		EphemeralGiB:  20,
		DesiredStatus: "RUNNING",
		// The sidecar's is missing, as for a task assigned before specs
		// carried them: the handler derives one.
		ContainerARNs: map[string]string{"app": "arn:aws:ecs:us-east-1:123456789012:container/MyCluster/" + id + "/f65b461d-aa09-4acb-a579-9785c0530cbc"},
		ENI: &agentapi.ENI{
			ID: "eni-0123456789abcdef0", MAC: "0E:98:9F:33:76:D3", PrivateIPv4: addr,
			PrivateDNSName: "ip-" + dashes(addr) + ".us-east-1.compute.internal",
			SubnetID:       "subnet-0123", SubnetCIDR: "172.31.32.0/20", AvailabilityZone: "us-east-1d",
			VpcID: "vpc-0123", VpcCIDRs: []string{"172.31.0.0/16"},
		},
	}
	state := agentapi.TaskState{
		TaskARN:       spec.TaskARN,
		LastStatus:    "RUNNING",
		PullStartedAt: t0,
		PullStoppedAt: t0.Add(5 * time.Second),
		Containers: []agentapi.ContainerState{
			{Name: "app", LastStatus: "RUNNING", ImageDigest: "sha256:8059bdd0058510c03ae4c808de8c4fd2c1f3c1b6d9ea75487f1e5caa5ececa02", HealthStatus: "HEALTHY"},
			{Name: "sidecar", LastStatus: "PENDING"},
		},
	}
	t := NewTask(spec, state)
	app := t.Containers[0]
	app.CreatedAt = t0.Add(11 * time.Second).In(time.FixedZone("CEST", 2*3600))
	app.StartedAt = t0.Add(11*time.Second + 500*time.Millisecond)
	app.Health = Health{Since: t0.Add(20 * time.Second), Output: "ok\n"}
	app.RestartCount = ptr(0)
	t.ServiceName = "my-svc"
	t.Tags = map[string]string{"env": "prod"}
	t.EphemeralUtilizedMiB = 261
	t.VolumeSources = map[string]string{"scratch": "/var/lib/berth/tasks/" + id + "/volumes/scratch"}
	return t
}

func dashes(addr string) string {
	b := []byte(addr)
	for i := range b {
		if b[i] == '.' {
			b[i] = '-'
		}
	}
	return string(b)
}

// fixtureStats are plausible cgroup v1 counters of a running container.
func fixtureStats(usageNs uint64, memUsage uint64) cgroups.Stats {
	return cgroups.Stats{
		CPU: cgroups.CPUStats{
			UsageNs: usageNs, PerCPUNs: []uint64{usageNs / 2, usageNs - usageNs/2},
			UserNs: usageNs * 3 / 4, SystemNs: usageNs / 4,
			Periods: 120, ThrottledPeriods: 3, ThrottledTimeNs: 4500000,
			QuotaUs: 25000, PeriodUs: 100000, Shares: 256,
		},
		Memory: cgroups.MemoryStats{
			Usage: memUsage, MaxUsage: memUsage + 4096, Limit: 9223372036854771712,
			Stat: map[string]uint64{"cache": 8192, "rss": memUsage - 8192, "total_cache": 8192, "total_rss": memUsage - 8192, "hierarchical_memory_limit": 536870912},
		},
		Pids:  cgroups.PidsStats{Current: 7},
		BlkIO: cgroups.BlkIOStats{IOServiceBytesRecursive: []cgroups.BlkIOEntry{{Major: 8, Minor: 0, Op: "Read", Value: 4096}, {Major: 8, Minor: 0, Op: "Write", Value: 8192}}},
	}
}

package tasktest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestCPUQuota(t *testing.T) {
	c := setup(t)
	td := register(t, c, "cpu", nil, container("burn", "/testapp", "serve"))
	arn := run(t, c, td, nil)
	waitStatus(t, c, arn, "RUNNING", time.Minute)
	id := arn[strings.LastIndex(arn, "/")+1:]
	b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup/cpu", testNamespace, id, "cpu.cfs_quota_us"))
	if err != nil {
		t.Fatal(err)
	}
	// 256 CPU units = a quarter of a CPU: 25 ms of each 100 ms period.
	if strings.TrimSpace(string(b)) != "25000" {
		t.Fatalf("cpu.cfs_quota_us = %s, want 25000", b)
	}
	b, err = os.ReadFile(filepath.Join("/sys/fs/cgroup/memory", testNamespace, id, "memory.limit_in_bytes"))
	if err != nil || strings.TrimSpace(string(b)) != "536870912" {
		t.Fatalf("memory.limit_in_bytes = %s (%v), want 512 MiB", b, err)
	}
}

func TestContainerSettings(t *testing.T) {
	c := setup(t)
	app := container("app", "/bin/sh", "-c", "id -u; pwd; ulimit -n; touch /x 2>&1 || echo read-only-root; touch /tmp/ok && echo tmp-ok; sleep 600")
	app.User = aws.String("1000")
	app.WorkingDirectory = aws.String("/tmp")
	app.ReadonlyRootFilesystem = aws.Bool(true)
	app.Ulimits = []types.Ulimit{{Name: types.UlimitNameNofile, SoftLimit: 4096, HardLimit: 8192}}
	app.StopTimeout = aws.Int32(2)
	app.MountPoints = []types.MountPoint{{SourceVolume: aws.String("scratch"), ContainerPath: aws.String("/tmp")}}
	td := register(t, c, "settings", func(in *ecs.RegisterTaskDefinitionInput) {
		in.Volumes = []types.Volume{{Name: aws.String("scratch")}}
	}, app)
	arn := run(t, c, td, nil)
	waitStatus(t, c, arn, "RUNNING", time.Minute)
	waitFor(t, "output", 20*time.Second, func() bool { return strings.Contains(logs(arn, "app"), "tmp-ok") })
	out := logs(arn, "app")
	for _, want := range []string{"1000\n", "/tmp\n", "4096\n", "read-only-root"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output %q lacks %q", out, want)
		}
	}
}

func TestInitProcess(t *testing.T) {
	c := setup(t)
	app := container("app", "/bin/sh", "-c", "echo pid=$$; sleep 600")
	app.LinuxParameters = &types.LinuxParameters{InitProcessEnabled: aws.Bool(true)}
	td := register(t, c, "init", nil, app)
	arn := run(t, c, td, nil)
	waitStatus(t, c, arn, "RUNNING", time.Minute)
	waitFor(t, "output", 20*time.Second, func() bool { return strings.Contains(logs(arn, "app"), "pid=") })
	// The shell is not PID 1: init is, and forwards SIGTERM to it.
	if out := logs(arn, "app"); strings.Contains(out, "pid=1\n") {
		t.Fatalf("the command runs as PID 1: %q", out)
	}
	if _, err := c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("tasks"), Task: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	task := waitStatus(t, c, arn, "STOPPED", time.Minute)
	// 143: SIGTERM reached the shell through init; without forwarding it
	// would have been SIGKILLed after stopTimeout (137).
	if code := ctr(task, "app").ExitCode; code == nil || *code != 143 {
		t.Fatalf("exit code %v, want 143", code)
	}
}

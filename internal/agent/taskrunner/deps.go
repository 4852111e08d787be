// Package taskrunner runs one ECS task on this host through its life:
// PENDING (images, storage, cgroup, network namespace) → ACTIVATING
// (containers started in dependsOn order) → RUNNING → DEACTIVATING →
// STOPPING (SIGTERM, stopTimeout, SIGKILL) → DEPROVISIONING (everything
// removed) → STOPPED, reporting each step to the control plane (steps that
// follow each other within ReportWindow go in one report). Like
// Nomad's alloc runner, the host resources are hooks behind small
// interfaces defined here, so the runner's logic is tested with fakes and
// its integration with real containerd, mounts and cgroups.
package taskrunner

import (
	"context"
	"syscall"
	"time"

	"github.com/berth-dev/berth/internal/agent/shimgroup"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/runtime"
)

// Runtime is the container runtime (internal/runtime over containerd).
type Runtime interface {
	Image(ctx context.Context, ref string) (runtime.Image, error)
	Pull(ctx context.Context, ref string, creds *runtime.Credentials) (runtime.Image, error)
	ImageLowerDirs(ctx context.Context, image, key string) ([]string, error)
	RemoveView(ctx context.Context, key string) error
	Create(ctx context.Context, spec runtime.ContainerSpec) error
	Start(ctx context.Context, id string) (uint32, error)
	Wait(ctx context.Context, id string) (<-chan runtime.ExitStatus, error)
	Signal(ctx context.Context, id string, sig syscall.Signal) error
	Exec(ctx context.Context, id string, args []string, timeout time.Duration) (int, []byte, error)
	Delete(ctx context.Context, id string) error
}

// Storage is the task's ephemeral storage (internal/agent/storage).
type Storage interface {
	Create(ctx context.Context, taskID string, sizeGiB int) error
	VolumePath(taskID, name string) (string, error)
	MountRootfs(ctx context.Context, taskID, container string, lowerdirs []string, target string) error
	RootfsPath(taskID, container string) (string, error)
	Destroy(ctx context.Context, taskID string) error
}

// Cgroups is the task-level cgroup (internal/agent/cgroups).
type Cgroups interface {
	CreateTask(taskID string, cpuUnits, memoryMiB int) error
	DeleteTask(taskID string) error
	Path(taskID, container string) string
}

// Network gives the task its network namespace: with an ENI (awsvpc), its
// interface in its subnet; without, loopback only. Both are idempotent.
type Network interface {
	Setup(ctx context.Context, spec *agentapi.TaskSpec) (TaskNetwork, error)
	Teardown(ctx context.Context, spec *agentapi.TaskSpec) error
}

// TaskNetwork is what the task's containers are given of its network.
type TaskNetwork struct {
	NetnsPath string // the namespace every container joins
	Hostname  string // "" = the runtime's default
	// ResolvConf and Hosts are host files bind-mounted at /etc/resolv.conf
	// and /etc/hosts in every container; "" = the image's own.
	ResolvConf string
	Hosts      string
}

// Logs ships containers' output where their log configuration says
// (internal/agent/logship, the awslogs driver).
type Logs interface {
	// Start begins shipping a container's output files; an error fails
	// the task. Idempotent, and called again for adopted containers.
	Start(ctx context.Context, spec *agentapi.TaskSpec, def *ecstypes.ContainerDefinition, stdout, stderr string) error
	// Finish delivers the rest of a task's output once its containers
	// have exited, and stops shipping it.
	Finish(taskID string)
}

// Reporter sends the task's observed state to the control plane.
type Reporter func(ctx context.Context, st agentapi.TaskState) error

// Hooks is everything the runner uses of the host.
type Hooks struct {
	Runtime Runtime
	Storage Storage
	Cgroups Cgroups
	Network Network
	Logs    Logs // nil: output stays in the files
	// Shims groups tasks' containers into shared containerd shims; nil
	// gives each task a shim of its own.
	Shims  *shimgroup.Pool
	LogDir string // container stdout/stderr files go under LogDir/<task id>/
	NodeID string
	// Env gives the variables every container of a task gets from the
	// platform (AWS_REGION, the metadata and credentials endpoints, …),
	// under those of its definition; nil adds none.
	Env func(spec *agentapi.TaskSpec, container string) []string
}

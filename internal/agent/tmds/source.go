package tmds

import (
	"errors"
	"net/netip"
	"time"

	"github.com/berth-dev/berth/internal/agent/cgroups"
	"github.com/berth-dev/berth/internal/agentapi"
)

// Source is how the handler finds tasks and reads their counters; the
// agent implements it. Every method is called from many goroutines at
// once.
//
// The handler finds every task by the caller's source address, and looks
// ids up only within that task (a v3/v4 endpoint id among its containers'
// DockerIDs, a credentials id against its CredentialsID): a task cannot
// reach another's metadata or role by guessing ids, whatever the ids.
type Source interface {
	// TaskByAddr returns the task whose ENI has address ip (the caller of
	// a request), if this host runs it.
	TaskByAddr(ip netip.Addr) (*Task, bool)
	// Tasks returns every task the host runs, for the stats sampler.
	Tasks() []*Task
	// ContainerStats reads a container's cgroup counters
	// ((*cgroups.Manager).Stats(taskID, name)); an error (the container
	// has not started, or has stopped) makes its stats unavailable.
	ContainerStats(t *Task, c *Container) (cgroups.Stats, error)
	// NetStats reads the counters of the interfaces of the task's
	// network namespace by kernel name, as ReadNetDev returns them. The
	// handler reports eth0 as eth1, as Fargate names the task's ENI, and
	// leaves out lo.
	NetStats(t *Task) (map[string]NetCounters, error)
	// Credentials returns the task role's credentials of a task that has
	// a CredentialsID. While they are still being fetched, AccessKeyID is
	// "" (503 CredentialsUninitialized). ErrCredentialsNotFound (no
	// credentials for the task) is a 400 InvalidIdInRequest; any other
	// error is a 500.
	Credentials(t *Task) (*Credentials, error)
}

// ErrCredentialsNotFound is Source.Credentials' answer for a task it has
// no credentials for.
var ErrCredentialsNotFound = errors.New("credentials not found")

// Task is what the endpoint knows of one task: its spec and observed
// state, plus what the agent keeps of its containers. The handler only
// reads a Task: a Source returns a snapshot, or a value it never changes
// afterwards.
type Task struct {
	Spec  agentapi.TaskSpec  // as RunTask resolved it
	State agentapi.TaskState // the agent's latest observation
	// Containers are the task's containers in definition order, one per
	// container definition; NewTask makes them.
	Containers []*Container
	// CredentialsID is the id of the task role's credentials, the last
	// element of AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (see Env); "" for
	// a task without a role. Make it unguessable (a random UUID).
	CredentialsID string
	// ServiceName is the service that started the task, "" for none.
	ServiceName string
	// Tags are the task's tags, shown by the *WithTags routes.
	Tags map[string]string
	// EphemeralUtilizedMiB is the space used on the task's ephemeral
	// storage.
	EphemeralUtilizedMiB int64
	// VolumeSources gives the host path of each of the task's volumes by
	// name, shown as Volumes[].Source; a volume missing here has none.
	VolumeSources map[string]string
}

// Container is what the agent keeps of one container of a task, beyond
// the definition and the observed state.
type Container struct {
	Name     string // the container definition's name
	DockerID string // EndpointID(task id, Name): DockerId, and the v3/v4 endpoint id
	// ARN is the container's ARN as DescribeTasks shows it (NewTask takes
	// it from the spec's ContainerARNs); when it is "", the handler
	// derives a stable one of the same form.
	ARN        string
	CreatedAt  time.Time // zero until created
	StartedAt  time.Time // zero until started
	FinishedAt time.Time // zero until exited
	// Health is the detail of the last health check of a container that
	// has one; its status is the state's HealthStatus.
	Health Health
	// RestartCount is how many times a container with a restart policy
	// was restarted; nil for one without.
	RestartCount *int
}

// Health is the detail of a container's last health check.
type Health struct {
	Since    time.Time // when the status last changed
	ExitCode int       // of the last check command
	Output   string    // of the last check command, as ECS keeps it
}

// NewTask returns a Task of spec and state with one Container per
// container definition, its DockerID and ARN set; the caller fills in the
// rest.
func NewTask(spec agentapi.TaskSpec, state agentapi.TaskState) *Task {
	t := &Task{Spec: spec, State: state}
	for _, d := range spec.Definition.ContainerDefinitions {
		t.Containers = append(t.Containers, &Container{Name: d.Name, DockerID: EndpointID(spec.TaskID, d.Name), ARN: spec.ContainerARNs[d.Name]})
	}
	return t
}

// container returns the task's container with DockerID id.
func (t *Task) container(id string) (*Container, bool) {
	for _, c := range t.Containers {
		if c.DockerID == id {
			return c, true
		}
	}
	return nil, false
}

// NetCounters are one network interface's counters, as /proc/net/dev
// shows them and as Docker's stats JSON names them.
type NetCounters struct {
	RxBytes   uint64 `json:"rx_bytes"`
	RxPackets uint64 `json:"rx_packets"`
	RxErrors  uint64 `json:"rx_errors"`
	RxDropped uint64 `json:"rx_dropped"`
	TxBytes   uint64 `json:"tx_bytes"`
	TxPackets uint64 `json:"tx_packets"`
	TxErrors  uint64 `json:"tx_errors"`
	TxDropped uint64 `json:"tx_dropped"`
}

// Credentials are a task role's temporary credentials.
type Credentials struct {
	RoleArn         string
	AccessKeyID     string
	SecretAccessKey string
	Token           string
	Expiration      time.Time
}

// Package agentapi is the contract between the control plane and the node
// agents: a node registers its capacity, watches the tasks assigned to it,
// and reports what it observes. In single-machine mode the agent calls the
// server's implementation in process; across hosts the same interface goes
// over HTTP. The agent never reads the store.
package agentapi

import (
	"context"
	"errors"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// Node is one host's offer to run tasks.
type Node struct {
	ID               string `json:"id"`
	AvailabilityZone string `json:"availabilityZone"`
	CPU              int    `json:"cpu"`       // CPU units: cores × 1024
	MemoryMiB        int    `json:"memoryMiB"` // less a reserve for the host
}

// TaskSpec is a task as the agent must run it: everything resolved at
// RunTask time (the definition is a copy; deregistering it later changes
// nothing for the task).
type TaskSpec struct {
	Account       string                  `json:"account"`
	Region        string                  `json:"region"`
	ClusterARN    string                  `json:"clusterArn"`
	TaskARN       string                  `json:"taskArn"`
	TaskID        string                  `json:"taskId"`
	Definition    ecstypes.TaskDefinition `json:"definition"`
	Overrides     *ecstypes.TaskOverride  `json:"overrides,omitempty"`
	CPU           int                     `json:"cpu"`
	MemoryMiB     int                     `json:"memoryMiB"`
	EphemeralGiB  int                     `json:"ephemeralGiB"`
	DesiredStatus string                  `json:"desiredStatus"` // RUNNING or STOPPED
	// StopCode and StoppedReason are set with DesiredStatus STOPPED by
	// StopTask, for the agent to report back once stopped.
	StopCode      string `json:"stopCode,omitempty"`
	StoppedReason string `json:"stoppedReason,omitempty"`
	// ENI is the task's network interface (awsvpc), made at RunTask.
	ENI *ENI `json:"eni,omitempty"`
	// ContainerARNs are the task's container ARNs by container name, as
	// DescribeTasks shows them; the task metadata endpoint shows the same.
	// Tasks assigned before it existed have none.
	ContainerARNs map[string]string `json:"containerArns,omitempty"`
}

// ENI is a task's elastic network interface as the node wires it: an
// address of a subnet of a VPC, behind the VPC's security groups.
type ENI struct {
	ID               string   `json:"id"`           // eni-…
	AttachmentID     string   `json:"attachmentId"` // the task's ECS attachment
	MAC              string   `json:"mac"`
	PrivateIPv4      string   `json:"privateIpv4"`
	PrivateDNSName   string   `json:"privateDnsName"`
	PublicIPv4       string   `json:"publicIpv4,omitempty"`
	SubnetID         string   `json:"subnetId"`
	SubnetCIDR       string   `json:"subnetCidr"`
	AvailabilityZone string   `json:"availabilityZone"`
	VpcID            string   `json:"vpcId"`
	VpcCIDRs         []string `json:"vpcCidrs"`
	SecurityGroups   []string `json:"securityGroups"`
}

// ContainerState is what the agent observed of one container.
type ContainerState struct {
	Name         string `json:"name"`
	LastStatus   string `json:"lastStatus"` // PENDING, RUNNING, STOPPED
	RuntimeID    string `json:"runtimeId,omitempty"`
	ImageDigest  string `json:"imageDigest,omitempty"`
	ExitCode     *int32 `json:"exitCode,omitempty"`
	Reason       string `json:"reason,omitempty"`
	HealthStatus string `json:"healthStatus,omitempty"` // HEALTHY, UNHEALTHY, UNKNOWN
}

// TaskState is what the agent observed of one task. Zero timestamps are
// not yet reached; the server keeps the first value it is told.
type TaskState struct {
	TaskARN            string           `json:"taskArn"`
	LastStatus         string           `json:"lastStatus"`
	HealthStatus       string           `json:"healthStatus,omitempty"`
	Containers         []ContainerState `json:"containers"`
	PullStartedAt      time.Time        `json:"pullStartedAt,omitzero"`
	PullStoppedAt      time.Time        `json:"pullStoppedAt,omitzero"`
	StartedAt          time.Time        `json:"startedAt,omitzero"`
	ConnectivityAt     time.Time        `json:"connectivityAt,omitzero"`
	StoppingAt         time.Time        `json:"stoppingAt,omitzero"`
	ExecutionStoppedAt time.Time        `json:"executionStoppedAt,omitzero"`
	StoppedAt          time.Time        `json:"stoppedAt,omitzero"`
	StopCode           string           `json:"stopCode,omitempty"`
	StoppedReason      string           `json:"stoppedReason,omitempty"`
}

// API is what an agent may ask of the control plane.
type API interface {
	// RegisterNode records (or refreshes) a node's capacity.
	RegisterNode(ctx context.Context, n Node) error
	// WatchTasks sends the full set of tasks assigned to node that are not
	// yet reported STOPPED, once at once and again on every change, until
	// ctx ends. Level-triggered: a receiver reconciles against the latest
	// set and may skip intermediate ones.
	WatchTasks(ctx context.Context, nodeID string) (<-chan []TaskSpec, error)
	// ReportTask records the agent's observation of a task. Reporting
	// STOPPED releases the task's resources on the node.
	ReportTask(ctx context.Context, nodeID string, st TaskState) error
}

// ErrUnknownTask is ReportTask's answer for a task the control plane no
// longer has (its account was reset, say): the agent stops it, cleans up
// and forgets it.
var ErrUnknownTask = errors.New("unknown task")

// SGRule is one rule of a security group as a node enforces it: traffic
// of Protocol ("tcp", "udp", "icmp", "-1" for all, or a protocol number)
// to ports FromPort..ToPort (ICMP: type and code; -1 all) from (ingress) or
// to (egress) CIDR or the ENIs of Group.
type SGRule struct {
	Egress   bool   `json:"egress,omitempty"`
	Protocol string `json:"protocol"`
	FromPort int32  `json:"fromPort"`
	ToPort   int32  `json:"toPort"`
	CIDR     string `json:"cidr,omitempty"`
	Group    string `json:"group,omitempty"`
}

// SecurityPolicy is what a node needs to enforce some security groups:
// their rules, and the private addresses of the ENIs of every group those
// rules name.
type SecurityPolicy struct {
	Rules   map[string][]SGRule `json:"rules"`   // by group id
	Members map[string][]string `json:"members"` // group id → ENI addresses
}

// NetworkAPI is what a node asks of the control plane to keep its tasks'
// security groups enforced.
type NetworkAPI interface {
	// SecurityPolicy returns the rules of groups (in one account and
	// region) and the members of the groups they name.
	SecurityPolicy(ctx context.Context, account, region string, groups []string) (*SecurityPolicy, error)
	// NetworkChanges signals, coalesced, every change of a security group
	// or an ENI until ctx ends; a receiver reads the policies it needs
	// again.
	NetworkChanges(ctx context.Context) (<-chan struct{}, error)
}

// LogEvent is one line (or multi-line event) of a container's output, as
// the awslogs driver ships it; Timestamp is in Unix milliseconds.
type LogEvent struct {
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// LogsAPI is what a node asks of the control plane to ship containers'
// output to CloudWatch Logs (the awslogs driver).
type LogsAPI interface {
	// PrepareLogStream makes sure a stream exists in a group of an account
	// and region, creating the stream, and the group too when createGroup
	// is set. The error of a missing group (without createGroup) is
	// CloudWatch's, for the task's stopped reason.
	PrepareLogStream(ctx context.Context, account, region, group, stream string, createGroup bool) error
	// PutLogEvents appends events, in time order, to a prepared stream.
	// Events CloudWatch would reject one by one (too old, too new) are
	// dropped and counted, not an error.
	PutLogEvents(ctx context.Context, account, region, group, stream string, events []LogEvent) (dropped int, err error)
}

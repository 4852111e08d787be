package deploy

import "time"

// DeploymentStatus is a deployment's status as DescribeServices reports it.
type DeploymentStatus string

// Deployment statuses.
const (
	StatusPrimary  DeploymentStatus = "PRIMARY"
	StatusActive   DeploymentStatus = "ACTIVE"
	StatusInactive DeploymentStatus = "INACTIVE"
)

// RolloutState is a deployment's rolloutState.
type RolloutState string

// Rollout states.
const (
	RolloutInProgress RolloutState = "IN_PROGRESS"
	RolloutCompleted  RolloutState = "COMPLETED"
	RolloutFailed     RolloutState = "FAILED"
)

// Task lastStatus values the planner distinguishes.
const (
	TaskProvisioning   = "PROVISIONING"
	TaskPending        = "PENDING"
	TaskActivating     = "ACTIVATING"
	TaskRunning        = "RUNNING"
	TaskDeactivating   = "DEACTIVATING"
	TaskStopping       = "STOPPING"
	TaskDeprovisioning = "DEPROVISIONING"
	TaskStopped        = "STOPPED"
)

// Default deployment percentages, as ECS applies them to REPLICA services.
const (
	DefaultMinimumHealthyPercent = 100
	DefaultMaximumPercent        = 200
)

// Config is the part of the service the planner reads.
type Config struct {
	// ServiceName is the service's name, used in event messages.
	ServiceName string
	// DesiredCount is the service's desiredCount.
	DesiredCount int
	// MinimumHealthyPercent and MaximumPercent are the
	// deploymentConfiguration values; nil means the ECS default (100, 200).
	MinimumHealthyPercent *int
	MaximumPercent        *int
	// CircuitBreaker is deploymentConfiguration.deploymentCircuitBreaker.
	CircuitBreaker CircuitBreaker
}

// CircuitBreaker is the deployment circuit breaker configuration.
type CircuitBreaker struct {
	// Enable turns failure detection on.
	Enable bool
	// Rollback returns the service to the last COMPLETED deployment when a
	// deployment fails.
	Rollback bool
}

// Deployment is one of the service's deployments as the store holds it.
type Deployment struct {
	// ID is the deployment id ("ecs-svc/1234567890123456789").
	ID string
	// Status is PRIMARY, ACTIVE or INACTIVE. Exactly one deployment is PRIMARY.
	Status DeploymentStatus
	// RolloutState and RolloutStateReason are as DescribeServices shows them.
	RolloutState       RolloutState
	RolloutStateReason string
	// TaskDefinition is the ARN the deployment runs.
	TaskDefinition string
	// CreatedAt orders deployments; the newest COMPLETED one is the rollback
	// target.
	CreatedAt time.Time
	// FailedTasks counts the deployment's tasks that failed to launch or to
	// become healthy. The controller maintains it (incrementing on each such
	// stop, resetting on a task turning healthy, as ECS's consecutive failure
	// model does); the planner only compares it to FailureThreshold.
	FailedTasks int
	// DesiredCount is the deployment's own desired count as ECS keeps it:
	// the service's for the primary, the remaining tasks for older ones.
	DesiredCount int
}

// Health is what the health checks say of a RUNNING task.
type Health int

// Task health values.
const (
	// HealthUnknown: no verdict yet (checks still in their first rounds).
	HealthUnknown Health = iota
	// HealthHealthy: container checks pass and, with a load balancer, the
	// target is healthy. Tasks with no checks at all are Healthy once RUNNING.
	HealthHealthy
	// HealthContainerUnhealthy: an essential container's health check failed.
	HealthContainerUnhealthy
	// HealthTargetUnhealthy: the ELB target of the task is unhealthy.
	HealthTargetUnhealthy
)

// Task is one of the service's tasks.
type Task struct {
	// ID is the task id (last part of the ARN).
	ID string
	// DeploymentID is the deployment that started it (the task's startedBy).
	DeploymentID string
	// LastStatus and DesiredStatus are the task's lifecycle fields.
	LastStatus    string
	DesiredStatus string
	// Health is the verdict of container and load balancer health checks.
	Health Health
	// TargetGroup names the target group whose check failed, for the stop
	// reason of HealthTargetUnhealthy tasks.
	TargetGroup string
	// StartedAt is when the task reached RUNNING (zero before).
	StartedAt time.Time
	// InGracePeriod is true while the service's healthCheckGracePeriodSeconds
	// has not elapsed since StartedAt: unhealthy verdicts are then ignored.
	InGracePeriod bool
}

// Backoff is the service's crash-loop state for the throttle logic.
type Backoff struct {
	// ConsecutiveFailures counts task launches in a row that went to STOPPED
	// without reaching RUNNING. The controller resets it when a task reaches
	// RUNNING. Tasks stopped after RUNNING (including health check failures)
	// do not count, as ECS documents.
	ConsecutiveFailures int
	// LastFailure is when the last of those failures was seen.
	LastFailure time.Time
}

// Input is everything one planning pass reads.
type Input struct {
	Config      Config
	Deployments []Deployment
	Tasks       []Task
	Backoff     Backoff
	Now         time.Time
}

// Start asks the controller to launch tasks.
type Start struct {
	// DeploymentID is set as the tasks' startedBy.
	DeploymentID string
	// TaskDefinition is the task definition to run.
	TaskDefinition string
	// Count is how many tasks to launch.
	Count int
}

// Stop asks the controller to stop one task.
type Stop struct {
	TaskID string
	// Reason is the task's stoppedReason, in ECS's wording.
	Reason string
}

// Plan is the outcome of one pass.
type Plan struct {
	// Start is the launch for the primary deployment; Count 0 means none.
	Start Start
	// Stops lists tasks to stop, in the order to stop them.
	Stops []Stop
	// Deployments holds the new state of every deployment this pass changed
	// (status, rollout state and reason, desired count, failed tasks).
	Deployments []Deployment
	// RolledBackTo is the id of the deployment a circuit breaker rollback
	// made PRIMARY this pass, or "".
	RolledBackTo string
	// Events are service event messages to add, oldest first. The
	// "has started N tasks" event needs the ids of the launched tasks: build
	// it with StartedEvent once they exist.
	Events []string
	// Steady reports the service at steady state after this pass.
	Steady bool
	// Throttled reports launches held back by the throttle logic.
	Throttled bool
	// RequeueAfter, when positive, is when the controller should run another
	// pass even without a change (the end of a throttle delay).
	RequeueAfter time.Duration
}

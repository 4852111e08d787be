package deploy

import (
	"fmt"
	"strings"
)

// Service event and stop reason texts, in ECS's wording ("Service event
// messages" and "Amazon ECS service throttle logic" in the Developer Guide;
// stoppedReason values as DescribeTasks reports them).

// StartedEvent is "(service NAME) has started N tasks: (task a) (task b).",
// for the controller to add once the launched tasks have ids.
func StartedEvent(service string, taskIDs []string) string {
	return fmt.Sprintf("(service %s) has started %d tasks: %s.", service, len(taskIDs), taskList(taskIDs))
}

// StoppedEvent is "(service NAME) has stopped N running tasks: (task a).".
func StoppedEvent(service string, taskIDs []string) string {
	return fmt.Sprintf("(service %s) has stopped %d running tasks: %s.", service, len(taskIDs), taskList(taskIDs))
}

// SteadyStateEvent is "(service NAME) has reached a steady state.".
func SteadyStateEvent(service string) string {
	return fmt.Sprintf("(service %s) has reached a steady state.", service)
}

// DeploymentCompletedEvent is "(service NAME) (deployment ID) deployment
// completed.".
func DeploymentCompletedEvent(service, deploymentID string) string {
	return fmt.Sprintf("(service %s) (deployment %s) deployment completed.", service, deploymentID)
}

// DeploymentFailedEvent is "(service NAME) (deployment ID) deployment
// failed: tasks failed to start.".
func DeploymentFailedEvent(service, deploymentID string) string {
	return fmt.Sprintf("(service %s) (deployment %s) deployment failed: tasks failed to start.", service, deploymentID)
}

// ThrottledEvent is "(service NAME) is unable to consistently start tasks
// successfully.".
func ThrottledEvent(service string) string {
	return fmt.Sprintf("(service %s) is unable to consistently start tasks successfully.", service)
}

// Rollout state reasons.
const (
	reasonCircuitBreaker = "ECS deployment circuit breaker: tasks failed to start."
)

func completedReason(id string) string { return fmt.Sprintf("ECS deployment %s completed.", id) }

func rollbackReason(failedID string) string {
	return fmt.Sprintf("ECS deployment circuit breaker: rolling back from deployment %s.", failedID)
}

// Stop reasons.
func scalingReason(deploymentID string) string {
	return fmt.Sprintf("Scaling activity initiated by (deployment %s)", deploymentID)
}

const reasonContainerHealth = "Task failed container health checks"

func elbReason(targetGroup string) string {
	return fmt.Sprintf("Task failed ELB health checks in (target-group %s)", targetGroup)
}

func taskList(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "(task " + id + ")"
	}
	return strings.Join(parts, " ")
}

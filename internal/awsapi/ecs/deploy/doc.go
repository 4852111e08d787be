// Package deploy is the ECS service deployment planner: a pure function
// that, given one service's configuration, its deployments, its tasks, the
// time and the crash-loop backoff state, returns the Plan the service
// controller should apply on this pass (tasks to start and stop, deployment
// status changes, service events, when to look again).
//
// The planner performs no I/O, reads no clock and keeps no state between
// calls: the controller re-reads everything on each pass (level-triggered)
// and calls Compute again. Applying a plan twice is harmless because the
// next pass sees the stops and starts already made.
//
// The rules follow the Amazon ECS Developer Guide and API reference:
//   - "Rolling update deployments" and DeploymentConfiguration: at most
//     floor(desired × maximumPercent / 100) tasks RUNNING or PENDING across
//     all deployments; at least ceil(desired × minimumHealthyPercent / 100)
//     healthy RUNNING tasks. See Bounds.
//   - "How the Amazon ECS deployment circuit breaker detects failures" and
//     ServiceDeploymentCircuitBreaker.threshold: failure threshold is
//     0.5 × desired count, at least 3 and at most 200; rollback goes to the
//     most recent COMPLETED deployment, which moves back to IN_PROGRESS.
//     See FailureThreshold.
//   - "Amazon ECS service throttle logic": launches of tasks that repeatedly
//     fail to reach RUNNING are spaced out, up to 27 minutes, with the event
//     "(service NAME) is unable to consistently start tasks successfully.";
//     a deployment of a new task definition resets it. See ThrottleDelay.
//   - "Service event messages": ECS repeats an identical event only after
//     six hours. The planner emits an event every pass its cause holds;
//     deduplicating within six hours is the caller's job.
package deploy

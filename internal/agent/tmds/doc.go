// Package tmds is the ECS task metadata and credentials endpoint that
// tasks reach at 169.254.170.2:80, as Fargate serves it: the v2, v3 and
// v4 metadata and stats routes and the task-role credentials route
// (/v2/credentials/<id>, and the legacy /v1/credentials?id=<id>).
//
// The agent serves a Handler inside each VPC's router namespace and
// implements Source. The handler finds the caller's task by the request's
// source address and never trusts an id alone: a v2 docker id, a v3/v4
// endpoint id and a credentials id are looked up only within the caller's
// own task, so a task cannot read another's metadata or role by guessing
// ids (another task's id is as unknown as a made-up one).
//
// Payloads follow the Fargate shapes field for field, as the AWS guide's
// "Task metadata endpoint version 4 for tasks on Fargate" and the ECS
// agent's handlers show them: v2 and v3 share one shape, v4 adds fields.
// Errors are the agent's: a JSON string (404 for an unknown v4 id, 400 in
// v2 and v3), and {code, message, HTTPErrorCode} for credentials. Stats
// are Docker's stats JSON built from cgroup v1 counters, always complete
// objects with zeros rather than missing fields, because consumers such
// as the OpenTelemetry awsecscontainermetrics receiver dereference them
// unchecked.
//
// Stats come from a sampler that keeps the latest and previous sample of
// every container: precpu_stats, preread and network_rate_stats come from
// the previous one. Handler.Run samples every task each interval (10 s
// by default, as Fargate), so even a client that polls once gets a
// meaningful delta; a request whose container's latest sample is older
// than the interval samples it again itself, so the handler also works
// without Run. Samples of containers nobody reads or samples for three
// intervals are dropped, which bounds memory to the live containers.
package tmds

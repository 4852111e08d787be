package server

import (
	"context"
	"net/netip"
	"time"

	"github.com/berth-dev/berth/internal/agent"
	"github.com/berth-dev/berth/internal/agent/cgroups"
	"github.com/berth-dev/berth/internal/agent/netns"
	"github.com/berth-dev/berth/internal/agent/taskrunner"
	"github.com/berth-dev/berth/internal/agent/tmds"
)

// taskMeta is the task metadata endpoint's view of this host's tasks: the
// agent's runners, their cgroups and namespaces.
type taskMeta struct {
	agent   *agent.Agent
	cgroups *cgroups.Manager
	creds   *taskCreds
}

var _ tmds.Source = (*taskMeta)(nil)

func (m *taskMeta) TaskByAddr(ip netip.Addr) (*tmds.Task, bool) {
	addr := ip.String()
	for _, r := range m.agent.Runners() {
		if eni := r.Spec().ENI; eni != nil && eni.PrivateIPv4 == addr {
			return m.view(r), true
		}
	}
	return nil, false
}

// Tasks also revokes the role sessions of tasks that left: the stats
// sampler calls it every few seconds.
func (m *taskMeta) Tasks() []*tmds.Task {
	var out []*tmds.Task
	running := map[string]bool{}
	for _, r := range m.agent.Runners() {
		t := m.view(r)
		out = append(out, t)
		running[t.Spec.TaskID] = true
	}
	m.creds.Retain(context.Background(), running)
	return out
}

// view is a task as the endpoint shows it, from a snapshot of its runner:
// its containers' ARNs come with the spec, their times and health detail
// from the runner.
func (m *taskMeta) view(r *taskrunner.Runner) *tmds.Task {
	spec, state, times := r.Snapshot()
	health := r.HealthDetails()
	t := tmds.NewTask(spec, state)
	t.CredentialsID = m.creds.ID(&spec)
	for _, c := range t.Containers {
		ct := times[c.Name]
		c.CreatedAt, c.StartedAt, c.FinishedAt = ct.Created, ct.Started, ct.Finished
		h := health[c.Name]
		c.Health = tmds.Health{Since: h.Since, ExitCode: h.ExitCode, Output: h.Output}
	}
	return t
}

func (m *taskMeta) ContainerStats(t *tmds.Task, c *tmds.Container) (cgroups.Stats, error) {
	return m.cgroups.Stats(t.Spec.TaskID, c.Name)
}

func (m *taskMeta) NetStats(t *tmds.Task) (map[string]tmds.NetCounters, error) {
	return tmds.ReadNetDev(netns.Path(t.Spec.TaskID))
}

func (m *taskMeta) Credentials(t *tmds.Task) (*tmds.Credentials, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return m.creds.Get(ctx, &t.Spec)
}

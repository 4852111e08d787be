package server

import (
	"net/netip"

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
}

var _ tmds.Source = (*taskMeta)(nil)

func (m *taskMeta) TaskByAddr(ip netip.Addr) (*tmds.Task, bool) {
	for _, r := range m.agent.Runners() {
		spec, _, _ := r.Snapshot()
		if spec.ENI != nil && spec.ENI.PrivateIPv4 == ip.String() {
			return m.view(r), true
		}
	}
	return nil, false
}

func (m *taskMeta) Tasks() []*tmds.Task {
	var out []*tmds.Task
	for _, r := range m.agent.Runners() {
		out = append(out, m.view(r))
	}
	return out
}

// view is a task as the endpoint shows it, from a snapshot of its runner.
func (m *taskMeta) view(r *taskrunner.Runner) *tmds.Task {
	spec, state, times := r.Snapshot()
	t := tmds.NewTask(spec, state)
	t.Tags = nil
	for _, c := range t.Containers {
		ct := times[c.Name]
		c.CreatedAt, c.StartedAt, c.FinishedAt = ct.Created, ct.Started, ct.Finished
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
	return nil, tmds.ErrCredentialsNotFound
}

package tasknet

import (
	"context"
	"errors"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/network/firewall"
	"golang.org/x/sys/unix"
)

// endpoints are what every task reaches whatever its groups say.
var endpoints = []firewall.Endpoint{
	{Addr: MetadataAddr, Proto: unix.IPPROTO_TCP, Port: 80},
	{Addr: ResolverAddr, Proto: unix.IPPROTO_UDP, Port: 53},
	{Addr: ResolverAddr, Proto: unix.IPPROTO_TCP, Port: 53},
}

// wired is an awsvpc task this manager enforces groups for.
type wired struct {
	spec      *agentapi.TaskSpec
	netnsPath string
}

// enforce writes the task's firewall from its groups' current policy.
func (m *Manager) enforce(ctx context.Context, w wired) error {
	if m.Policy == nil {
		return nil
	}
	eni := w.spec.ENI
	p, err := m.Policy.SecurityPolicy(ctx, w.spec.Account, w.spec.Region, eni.SecurityGroups)
	if err != nil {
		return err
	}
	return firewall.Apply(w.netnsPath, firewall.Compile(p, eni.SecurityGroups), endpoints)
}

// Run keeps running tasks' firewalls in step with their security groups
// (rules changed, tasks of a named group come and go) until ctx ends.
func (m *Manager) Run(ctx context.Context) error {
	if m.Policy == nil {
		return nil
	}
	changes, err := m.Policy.NetworkChanges(ctx)
	if err != nil {
		return err
	}
	for range changes {
		m.mu.Lock()
		tasks := make([]wired, 0, len(m.tasks))
		for _, w := range m.tasks {
			tasks = append(tasks, w)
		}
		m.mu.Unlock()
		for _, w := range tasks {
			err := m.enforce(ctx, w)
			if err == nil || errors.Is(err, context.Canceled) {
				continue
			}
			m.mu.Lock()
			_, live := m.tasks[w.spec.TaskID]
			m.mu.Unlock()
			if live { // else it was removed meanwhile, namespace and all
				m.log().Warn("updating a task's security groups", "task", w.spec.TaskID, "err", err)
			}
		}
		select { // let a burst of changes (a RunTask of ten) settle
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return ctx.Err()
}

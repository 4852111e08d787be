package tasknet

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/network/firewall"
	"golang.org/x/sys/unix"
)

// endpoints are what every task reaches whatever its groups say, and all
// that its VPC's router answers.
var endpoints = []firewall.Endpoint{
	{Addr: MetadataAddr, Proto: unix.IPPROTO_TCP, Port: MetadataPort},
	{Addr: MetadataAddr, Proto: unix.IPPROTO_TCP, Port: APIPort},
	{Addr: ResolverAddr, Proto: unix.IPPROTO_UDP, Port: 53},
	{Addr: ResolverAddr, Proto: unix.IPPROTO_TCP, Port: 53},
}

// settle is how long the enforcer lets a burst of changes (a RunTask of
// ten, each ENI a change) gather before it reads the policies again.
const settle = 250 * time.Millisecond

// wired is an awsvpc task this manager enforces groups for. Its mutex
// serialises the writes of its firewall (Setup's and the enforcer's), so
// that applied is always what its namespace has.
type wired struct {
	spec      *agentapi.TaskSpec
	netnsPath string

	mu      sync.Mutex
	applied *firewall.Ruleset // nil until written
}

// policyKey names what a task's policy depends on: its scope and groups.
func policyKey(spec *agentapi.TaskSpec) string {
	return spec.Account + "/" + spec.Region + "/" + strings.Join(spec.ENI.SecurityGroups, ",")
}

// enforce brings the task's firewall to policy p (read if nil), writing
// only what changed since the last write.
func (m *Manager) enforce(ctx context.Context, w *wired, p *agentapi.SecurityPolicy) error {
	if m.Policy == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	eni := w.spec.ENI
	if p == nil {
		var err error
		if p, err = m.Policy.SecurityPolicy(ctx, w.spec.Account, w.spec.Region, eni.SecurityGroups); err != nil {
			return err
		}
	}
	rs := firewall.Compile(p, eni.SecurityGroups)
	switch {
	case w.applied == nil:
		if err := firewall.Apply(w.netnsPath, rs, endpoints); err != nil {
			return err
		}
	case rs.Equal(*w.applied):
		return nil
	default:
		if err := firewall.Update(w.netnsPath, *w.applied, rs, endpoints); err != nil {
			w.applied = nil // unknown now: the next write replaces the table
			return err
		}
	}
	w.applied = &rs
	return nil
}

// Run keeps running tasks' firewalls in step with their security groups
// (rules changed, tasks of a named group come and go) until ctx ends. Each
// round reads each distinct policy once and rewrites only the tasks whose
// rules changed; a round that failed somewhere is tried again a second
// later.
func (m *Manager) Run(ctx context.Context) error {
	if m.Policy == nil {
		return nil
	}
	changes, err := m.Policy.NetworkChanges(ctx)
	if err != nil {
		return err
	}
	var retry <-chan time.Time
	for {
		select {
		case _, ok := <-changes:
			if !ok {
				return ctx.Err()
			}
		case <-retry:
		case <-ctx.Done():
			return ctx.Err()
		}
		select { // let a burst of changes settle
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(settle):
		}
		select { // and take the signal it left
		case <-changes:
		default:
		}
		retry = nil
		if !m.enforceAll(ctx) {
			retry = time.After(time.Second)
		}
	}
}

// enforceAll brings every wired task's firewall up to date; false if some
// could not be.
func (m *Manager) enforceAll(ctx context.Context) bool {
	m.mu.Lock()
	tasks := make([]*wired, 0, len(m.tasks))
	for _, w := range m.tasks {
		tasks = append(tasks, w)
	}
	m.mu.Unlock()
	ok := true
	policies := map[string]*agentapi.SecurityPolicy{}
	for _, w := range tasks {
		key := policyKey(w.spec)
		p := policies[key]
		if p == nil {
			var err error
			if p, err = m.Policy.SecurityPolicy(ctx, w.spec.Account, w.spec.Region, w.spec.ENI.SecurityGroups); err != nil {
				m.log().Warn("reading security groups", "groups", w.spec.ENI.SecurityGroups, "err", err)
				ok = false
				continue
			}
			policies[key] = p
		}
		err := m.enforce(ctx, w, p)
		m.mu.Lock()
		live := m.tasks[w.spec.TaskID] == w
		m.mu.Unlock()
		if err != nil && live && !errors.Is(err, context.Canceled) { // else it went meanwhile
			m.log().Warn("updating a task's security groups", "task", w.spec.TaskID, "err", err)
			ok = false
		}
	}
	return ok
}

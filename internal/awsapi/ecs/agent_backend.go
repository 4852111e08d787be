package ecs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/scheduler"
	"github.com/berth-dev/berth/internal/store"
)

// The control plane's side of the agent API (agentapi.API), over the
// store:
//
//	/node/<node id>                                      capacity and reservations
//	/assignment/<node id>/<account>/<region>/<task id>   the spec the node must run
//
// A task's resources are reserved on its node by RunTask and released
// when the agent reports it STOPPED, when its assignment is removed too.

const (
	nodePrefix       = "/node/"
	assignmentPrefix = "/assignment/"
)

type nodeRecord struct {
	Node         agentapi.Node          `json:"node"`
	Reservations map[string]reservation `json:"reservations,omitempty"` // by task ARN
	RegisteredAt time.Time              `json:"registeredAt"`
}

type reservation struct {
	CPU       int `json:"cpu"`
	MemoryMiB int `json:"memoryMiB"`
}

func (n *nodeRecord) schedulerNode() scheduler.Node {
	sn := scheduler.Node{ID: n.Node.ID, AvailabilityZone: n.Node.AvailabilityZone, CPU: n.Node.CPU, MemoryMiB: n.Node.MemoryMiB}
	for _, r := range n.Reservations {
		sn.ReservedCPU += r.CPU
		sn.ReservedMemory += r.MemoryMiB
	}
	return sn
}

func (s *Service) nodes() store.Typed[nodeRecord] { return store.Typed[nodeRecord]{S: s.store} }

// AgentAPI returns the control plane's implementation of the agent API.
func (s *Service) AgentAPI() agentapi.API { return agentBackend{s} }

type agentBackend struct{ s *Service }

// RegisterNode records a node's capacity, keeping its reservations.
func (b agentBackend) RegisterNode(ctx context.Context, n agentapi.Node) error {
	key := nodePrefix + n.ID
	_, _, err := b.s.nodes().Mutate(ctx, key, func(r *nodeRecord) error {
		r.Node = n
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		_, err = b.s.nodes().Create(ctx, key, &nodeRecord{Node: n, RegisteredAt: time.Now().UTC()})
		if errors.Is(err, store.ErrAlreadyExists) {
			return b.RegisterNode(ctx, n)
		}
	}
	return err
}

// reserve places a task and reserves its size on the chosen node. A
// non-empty reason is a placement failure.
func (s *Service) reserve(ctx context.Context, spec agentapi.TaskSpec) (node scheduler.Node, reason string, err error) {
	req := scheduler.Request{CPU: spec.CPU, MemoryMiB: spec.MemoryMiB}
	for attempt := 0; attempt < 10; attempt++ {
		items, _, err := s.nodes().ListAll(ctx, nodePrefix)
		if err != nil {
			return node, "", internal("listing nodes", err)
		}
		nodes := make([]scheduler.Node, 0, len(items))
		for _, it := range items {
			nodes = append(nodes, it.Value.schedulerNode())
		}
		id, reason := scheduler.Place(nodes, req)
		if id == "" {
			return node, reason, nil
		}
		errFull := errors.New("node filled up")
		_, _, err = s.nodes().Mutate(ctx, nodePrefix+id, func(r *nodeRecord) error {
			sn := r.schedulerNode()
			if sn.FreeCPU() < req.CPU || sn.FreeMemory() < req.MemoryMiB {
				return errFull // another RunTask got there first: place again
			}
			if r.Reservations == nil {
				r.Reservations = map[string]reservation{}
			}
			r.Reservations[spec.TaskARN] = reservation{CPU: req.CPU, MemoryMiB: req.MemoryMiB}
			return nil
		})
		if errors.Is(err, errFull) || errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return node, "", internal("reserving capacity", err)
		}
		i := slices.IndexFunc(nodes, func(n scheduler.Node) bool { return n.ID == id })
		return nodes[i], "", nil
	}
	return node, scheduler.ReasonCPU, nil
}

// release returns a task's reservation to its node. Idempotent.
func (s *Service) release(ctx context.Context, nodeID, taskARN string) error {
	_, _, err := s.nodes().Mutate(ctx, nodePrefix+nodeID, func(r *nodeRecord) error {
		delete(r.Reservations, taskARN)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func assignmentKey(nodeID string, spec *agentapi.TaskSpec) string {
	return assignmentPrefix + nodeID + "/" + spec.Account + "/" + spec.Region + "/" + spec.TaskID
}

func (sc scope) assignmentKey(nodeID, taskID string) string {
	return assignmentKey(nodeID, &agentapi.TaskSpec{Account: sc.account, Region: sc.region, TaskID: taskID})
}

// stopAssignment tells the task's node to stop it. A task whose assignment
// is gone has stopped already.
func (s *Service) stopAssignment(ctx context.Context, nodeID string, sc scope, taskID, code, reason string) error {
	_, _, err := store.Typed[agentapi.TaskSpec]{S: s.store}.Mutate(ctx, sc.assignmentKey(nodeID, taskID), func(spec *agentapi.TaskSpec) error {
		spec.DesiredStatus, spec.StopCode, spec.StoppedReason = statusStopped, code, reason
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return internal("stopping task", err)
	}
	return nil
}

// WatchTasks implements agentapi.API. It lists the node's assignments
// once, then keeps that set current from the watch's events (decoding only
// what changed) and sends it whole after each batch of changes. If the
// watch breaks (compaction, a lost leader), it lists again.
func (b agentBackend) WatchTasks(ctx context.Context, nodeID string) (<-chan []agentapi.TaskSpec, error) {
	t := store.Typed[agentapi.TaskSpec]{S: b.s.store}
	prefix := assignmentPrefix + nodeID + "/"
	current := map[string]agentapi.TaskSpec{}
	list := func() (int64, error) {
		items, rev, err := t.ListAll(ctx, prefix)
		if err != nil {
			return 0, err
		}
		clear(current)
		for _, it := range items {
			current[it.Key] = it.Value
		}
		return rev, nil
	}
	snapshot := func() []agentapi.TaskSpec {
		keys := slices.Sorted(maps.Keys(current))
		specs := make([]agentapi.TaskSpec, 0, len(keys))
		for _, k := range keys {
			specs = append(specs, current[k])
		}
		return specs
	}
	rev, err := list()
	if err != nil {
		return nil, err
	}
	out := make(chan []agentapi.TaskSpec, 1)
	out <- snapshot()
	send := func() {
		select {
		case <-out: // replace an unread older set
		default:
		}
		out <- snapshot()
	}
	apply := func(ev store.Event) {
		switch ev.Type {
		case store.EventPut:
			if spec, err := t.Decode(ev.Object); err == nil {
				current[ev.Object.Key] = *spec
			}
		case store.EventDelete:
			delete(current, ev.Object.Key)
		}
		rev = ev.Object.Revision
	}
	go func() {
		defer close(out)
		for ctx.Err() == nil {
			events := b.s.store.Watch(ctx, prefix, rev+1)
			for ev := range events {
				apply(ev)
				for more := true; more; { // take what is queued, then send once
					select {
					case ev, ok := <-events:
						if !ok {
							more = false
							break
						}
						apply(ev)
					default:
						more = false
					}
				}
				send()
			}
			if ctx.Err() != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
			if r, err := list(); err == nil {
				rev = r
				send()
			}
		}
	}()
	return out, nil
}

// ReportTask implements agentapi.API.
func (b agentBackend) ReportTask(ctx context.Context, nodeID string, st agentapi.TaskState) error {
	a, ok := parseARN(st.TaskARN)
	parts := strings.Split(a.resource, "/")
	if !ok || a.resourceType != "task" || len(parts) != 2 {
		return fmt.Errorf("report for %q: %w", st.TaskARN, agentapi.ErrUnknownTask)
	}
	sc := scope{account: a.account, region: a.region}
	rec, _, err := b.s.tasks().Mutate(ctx, taskKey(sc, parts[0], parts[1]), func(r *taskRecord) error {
		if r.Task.LastStatus == statusStopped && st.LastStatus != statusStopped {
			// Already STOPPED here (say an agent crashed after reporting
			// it but before its assignment went): whatever still runs is a
			// leftover to stop, not the task.
			return store.ErrNotFound
		}
		applyState(&r.Task, st)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		_ = b.s.store.Delete(ctx, sc.assignmentKey(nodeID, parts[1]), 0)
		_ = b.s.release(ctx, nodeID, st.TaskARN)
		return fmt.Errorf("report for %s: %w", st.TaskARN, agentapi.ErrUnknownTask)
	}
	if err != nil {
		return err
	}
	if rec.Task.LastStatus == statusStopped {
		if err := b.s.release(ctx, nodeID, st.TaskARN); err != nil {
			return err
		}
		if err := b.s.detachENI(ctx, sc, rec); err != nil {
			return err
		}
		if err := b.s.store.Delete(ctx, sc.assignmentKey(nodeID, parts[1]), 0); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// statusRank orders lastStatus so that reports never move a task back.
var statusRank = map[string]int{
	statusProvisioning: 1, statusPending: 2, statusActivating: 3, statusRunning: 4,
	statusDeactivating: 5, statusStopping: 6, statusDeprovision: 7, statusStopped: 8,
}

func ts(t time.Time) *shape.Time {
	if t.IsZero() {
		return nil
	}
	return shape.NewTime(t)
}

// applyState merges an agent's observation into the task as ECS shows it.
func applyState(t *ecstypes.Task, st agentapi.TaskState) {
	changed := false
	if statusRank[st.LastStatus] > statusRank[t.LastStatus] {
		t.LastStatus, changed = st.LastStatus, true
	}
	if st.HealthStatus != "" && st.HealthStatus != t.HealthStatus {
		t.HealthStatus, changed = st.HealthStatus, true
	}
	setOnce := func(dst **shape.Time, v time.Time) {
		if *dst == nil && !v.IsZero() {
			*dst, changed = ts(v), true
		}
	}
	setOnce(&t.PullStartedAt, st.PullStartedAt)
	setOnce(&t.PullStoppedAt, st.PullStoppedAt)
	setOnce(&t.StartedAt, st.StartedAt)
	setOnce(&t.ConnectivityAt, st.ConnectivityAt)
	setOnce(&t.StoppingAt, st.StoppingAt)
	setOnce(&t.ExecutionStoppedAt, st.ExecutionStoppedAt)
	setOnce(&t.StoppedAt, st.StoppedAt)
	if !st.ConnectivityAt.IsZero() && t.Connectivity == "" {
		t.Connectivity, changed = "CONNECTED", true
	}
	if st.StopCode != "" && t.StopCode == "" {
		t.StopCode, t.StoppedReason, changed = st.StopCode, st.StoppedReason, true
	}
	if st.LastStatus == statusStopped || statusRank[t.LastStatus] >= statusRank[statusDeactivating] {
		t.DesiredStatus = statusStopped
	}
	for _, cs := range st.Containers {
		for i := range t.Containers {
			c := &t.Containers[i]
			if c.Name != cs.Name {
				continue
			}
			if statusRank[cs.LastStatus] > statusRank[c.LastStatus] || cs.LastStatus == statusStopped && c.LastStatus != statusStopped {
				c.LastStatus, changed = cs.LastStatus, true
			}
			for _, f := range []struct {
				dst *string
				v   string
			}{
				{&c.RuntimeId, cs.RuntimeID}, {&c.ImageDigest, cs.ImageDigest}, {&c.Reason, cs.Reason}, {&c.HealthStatus, cs.HealthStatus},
			} {
				if f.v != "" && *f.dst != f.v {
					*f.dst, changed = f.v, true
				}
			}
			if cs.ExitCode != nil && c.ExitCode == nil {
				code := *cs.ExitCode
				c.ExitCode, changed = &code, true
			}
		}
	}
	for i := range t.Attachments {
		if a := &t.Attachments[i]; a.Type == attachmentENI && a.Status != attachmentStatus(t.LastStatus) {
			a.Status, changed = attachmentStatus(t.LastStatus), true
		}
	}
	if changed {
		t.Version++
	}
}

// ResetAccount removes the account's task assignments on every node, so
// agents stop and clean up what the account runs; a state reset calls it
// after deleting the account's records.
func (s *Service) ResetAccount(ctx context.Context, account string) error {
	res, _, err := store.Typed[agentapi.TaskSpec]{S: s.store}.ListAll(ctx, assignmentPrefix)
	if err != nil {
		return err
	}
	for _, it := range res {
		if it.Value.Account != account {
			continue
		}
		if err := s.store.Delete(ctx, it.Key, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

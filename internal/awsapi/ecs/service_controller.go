package ecs

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/store"
)

// The service controller is level-triggered: a change of a service record
// or of one of its tasks queues the service's key, and a pass
// (reconcileService) re-reads the service and its tasks, asks the pure
// planner (package deploy) what to do, and applies the plan. A resync
// queues every service now and then, which covers what no record change
// announces: target health (kept by the load balancers, not in the store),
// the end of a drain or of a throttle delay, and any missed watch event.

// serviceResync is how often every service gets a pass without a change.
const serviceResync = 2 * time.Second

// RunServices runs the service controller until ctx ends.
func (s *Service) RunServices(ctx context.Context, log *slog.Logger) {
	q := newKeyQueue()
	go s.watchKeys(ctx, "/"+kindService+"/", q, func(key string, _ []byte) string { return key })
	go s.watchKeys(ctx, "/"+kindTask+"/", q, serviceOfTask)
	go func() {
		for {
			s.queueAllServices(ctx, q)
			if !sleepCtx(ctx, serviceResync) {
				return
			}
		}
	}()
	for {
		key, ok := q.next(ctx)
		if !ok {
			return
		}
		if err := s.reconcileService(ctx, key); err != nil && ctx.Err() == nil {
			log.Warn("service pass failed; retrying", "service", key, "err", err)
			time.AfterFunc(time.Second, func() { q.add(key) })
		}
		q.done(key)
	}
}

// watchKeys queues keyOf(key, value) for every change under prefix; ""
// queues nothing. A broken watch is started again (the resync covers what
// it missed).
func (s *Service) watchKeys(ctx context.Context, prefix string, q *keyQueue, keyOf func(key string, value []byte) string) {
	for ctx.Err() == nil {
		for ev := range s.store.Watch(ctx, prefix, 0) {
			if k := keyOf(ev.Object.Key, ev.Object.Value); k != "" {
				q.add(k)
			}
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
}

// serviceGroupPrefix starts the group of a service's tasks, as on ECS:
// "service:NAME".
const serviceGroupPrefix = "service:"

func serviceGroup(name string) string { return serviceGroupPrefix + name }

// serviceOfTask is the key of the service a task record belongs to (its
// group is "service:NAME"), or "".
func serviceOfTask(key string, value []byte) string {
	if value == nil {
		return ""
	}
	var head struct {
		Task struct {
			Group string `json:"group"`
		} `json:"task"`
	}
	if json.Unmarshal(value, &head) != nil {
		return ""
	}
	name, ok := strings.CutPrefix(head.Task.Group, serviceGroupPrefix)
	if !ok {
		return ""
	}
	// /ecs-task/<account>/<region>/<cluster>/<id>
	parts := strings.Split(strings.TrimPrefix(key, "/"), "/")
	if len(parts) != 5 {
		return ""
	}
	return serviceKey(scope{account: parts[1], region: parts[2]}, parts[3], name)
}

// queueAllServices queues every service that is not INACTIVE, and the
// INACTIVE ones whose record is due to expire.
func (s *Service) queueAllServices(ctx context.Context, q *keyQueue) {
	_ = store.Typed[serviceSummary]{S: s.store}.Scan(ctx, "/"+kindService+"/", "", func(obj store.Object, _ *serviceSummary) bool {
		q.add(obj.Key)
		return true
	})
}

// keyQueue is a set of keys waiting for a pass; a key being worked on is
// queued again, not run twice at once.
type keyQueue struct {
	mu      sync.Mutex
	pending map[string]bool
	order   []string
	busy    map[string]bool
	wake    chan struct{}
}

func newKeyQueue() *keyQueue {
	return &keyQueue{pending: map[string]bool{}, busy: map[string]bool{}, wake: make(chan struct{}, 1)}
}

func (q *keyQueue) add(key string) {
	q.mu.Lock()
	if !q.pending[key] {
		q.pending[key] = true
		q.order = append(q.order, key)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// next waits for a key that is pending and not busy.
func (q *keyQueue) next(ctx context.Context) (string, bool) {
	for {
		q.mu.Lock()
		for i, k := range q.order {
			if !q.busy[k] {
				q.order = append(q.order[:i:i], q.order[i+1:]...)
				delete(q.pending, k)
				q.busy[k] = true
				q.mu.Unlock()
				return k, true
			}
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return "", false
		case <-q.wake:
		}
	}
}

func (q *keyQueue) done(key string) {
	q.mu.Lock()
	delete(q.busy, key)
	again := q.pending[key]
	q.mu.Unlock()
	if again {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

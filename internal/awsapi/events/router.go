package events

import (
	"context"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/eventpattern"
)

// Capacities of the router's queues. An event that finds the ingest queue
// full is refused (PutEvents answers the entry with ThrottlingException);
// the delivery queue is bounded by maxPending.
const (
	ingestQueue = 4096
	maxPending  = 10000
	workers     = 16
)

// event is one event on its way to rules: its JSON and the same decoded.
type event struct {
	sc    scope
	id    string
	at    time.Time
	raw   []byte
	value map[string]any
	// rule, when set, sends the event to that rule's targets only,
	// without matching: a scheduled rule firing.
	rule string
}

// router matches events against rules and hands deliveries to workers.
type router struct {
	s      *Service
	events chan *event
	work   chan *delivery

	mu       sync.Mutex
	patterns map[string]*eventpattern.Pattern // compiled, by pattern text
	pending  int                              // deliveries queued or waiting to retry
	stats    map[statsKey]*TargetStats
	index    *ruleIndex
}

func newRouter(s *Service) *router {
	return &router{s: s, events: make(chan *event, ingestQueue), work: make(chan *delivery, maxPending),
		patterns: map[string]*eventpattern.Pattern{}, stats: map[statsKey]*TargetStats{}, index: newRuleIndex()}
}

// submit queues an event for matching; false when the queue is full.
func (r *router) submit(e *event) bool {
	select {
	case r.events <- e:
		return true
	default:
		return false
	}
}

// Run routes events and delivers them until ctx ends. Events put before
// Run wait in the queue; deliveries in flight when ctx ends are dropped.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.router.index.follow(ctx, s.store) })
	for range workers {
		wg.Go(func() { s.router.deliverLoop(ctx) })
	}
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case e := <-s.router.events:
			s.router.route(ctx, e)
		}
	}
}

// route finds the rules an event goes to and queues a delivery per
// target.
func (r *router) route(ctx context.Context, e *event) {
	if !r.index.has(e.sc) {
		return
	}
	items, _, err := rules(r.s.store).ListAll(ctx, e.sc.rulePrefix())
	if err != nil {
		if ctx.Err() == nil {
			r.s.log.Error("event not routed: listing rules failed", "account", e.sc.account, "event", e.id, "err", err)
		}
		return
	}
	for _, it := range items {
		ru := &it.Value
		if !ru.enabled() || len(ru.Targets) == 0 {
			continue
		}
		if e.rule != "" {
			if ru.Name != e.rule {
				continue
			}
		} else if ru.EventPattern == "" || !r.matches(ru.EventPattern, e.value) {
			continue
		}
		for i := range ru.Targets {
			r.enqueue(ctx, &delivery{ev: e, rule: ru.Name, target: ru.Targets[i], first: r.s.now()})
		}
	}
}

// matches compiles pattern (once) and matches it.
func (r *router) matches(pattern string, ev map[string]any) bool {
	r.mu.Lock()
	p, ok := r.patterns[pattern]
	if !ok {
		var err error
		if p, err = eventpattern.Compile(pattern); err != nil {
			// PutRule compiled it; a pattern that no longer compiles
			// (a stricter berth) matches nothing.
			p = nil
		}
		if len(r.patterns) > 4096 {
			clear(r.patterns)
		}
		r.patterns[pattern] = p
	}
	r.mu.Unlock()
	return p != nil && p.MatchValue(ev)
}

// enqueue hands a delivery to the workers, or gives it up when too many
// are pending.
func (r *router) enqueue(ctx context.Context, d *delivery) {
	r.mu.Lock()
	full := r.pending >= maxPending
	if !full {
		r.pending++
	}
	r.mu.Unlock()
	if full {
		r.failed(d, errOverCapacity)
		return
	}
	select {
	case r.work <- d:
	case <-ctx.Done():
	}
}

func (r *router) done() {
	r.mu.Lock()
	r.pending--
	r.mu.Unlock()
}

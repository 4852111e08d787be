package events

import (
	"context"
	"encoding/json"
	"maps"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/store"
)

// ruleIndex knows which accounts and regions have rules at all, so that
// services emitting events where nobody listens (most task state changes)
// skip building them. It follows the rule records with a watch; PutRule
// also marks its scope at once, for markLife, so an event right after the
// first rule of a scope is never skipped while the watch catches up. A
// scope wrongly marked only costs the work of routing an event to no
// rule.
type ruleIndex struct {
	mu        sync.Mutex
	schedules map[string]scheduledRule // by rule key: the rules with a schedule
	keys      map[string]scope         // rule key → its scope
	scopes    map[scope]int            // rules per scope
	marked    map[scope]time.Time      // when PutRule last marked a scope
}

// markLife is how long a mark stands in for the watch.
const markLife = 30 * time.Second

func newRuleIndex() *ruleIndex {
	return &ruleIndex{keys: map[string]scope{}, scopes: map[scope]int{}, marked: map[scope]time.Time{},
		schedules: map[string]scheduledRule{}}
}

// has reports whether sc may have rules.
func (x *ruleIndex) has(sc scope) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.scopes[sc] > 0 {
		return true
	}
	at, ok := x.marked[sc]
	if ok && time.Since(at) > markLife {
		delete(x.marked, sc)
		ok = false
	}
	return ok
}

// mark notes that sc has a rule (PutRule, before the watch tells).
func (x *ruleIndex) mark(sc scope) {
	x.mu.Lock()
	x.marked[sc] = time.Now()
	x.mu.Unlock()
}

// scheduledRule is what the scheduler needs of a rule with a schedule.
type scheduledRule struct {
	sc        scope
	name      string
	expr      string
	createdAt time.Time
	enabled   bool
}

// put notes a rule record (key and JSON value) written.
func (x *ruleIndex) put(key string, value []byte) {
	sc, ok := scopeOfRuleKey(key)
	if !ok {
		return
	}
	var r rule
	decoded := json.Unmarshal(value, &r) == nil
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, seen := x.keys[key]; !seen {
		x.keys[key] = sc
		x.scopes[sc]++
	}
	if decoded && r.ScheduleExpression != "" {
		x.schedules[key] = scheduledRule{sc: sc, name: r.Name, expr: r.ScheduleExpression, createdAt: r.CreatedAt, enabled: r.enabled()}
	} else {
		delete(x.schedules, key)
	}
}

func (x *ruleIndex) remove(key string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.schedules, key)
	if sc, seen := x.keys[key]; seen {
		delete(x.keys, key)
		if x.scopes[sc]--; x.scopes[sc] <= 0 {
			delete(x.scopes, sc)
		}
	}
}

// reset replaces the index with a listing.
func (x *ruleIndex) reset(objs []store.Object) {
	x.mu.Lock()
	x.keys, x.scopes, x.schedules = map[string]scope{}, map[scope]int{}, map[string]scheduledRule{}
	x.mu.Unlock()
	for _, o := range objs {
		x.put(o.Key, o.Value)
	}
}

// scheduled returns the rules that have a schedule, by key.
func (x *ruleIndex) scheduled() map[string]scheduledRule {
	x.mu.Lock()
	defer x.mu.Unlock()
	return maps.Clone(x.schedules)
}

// follow keeps the index in step with the store until ctx ends.
func (x *ruleIndex) follow(ctx context.Context, st store.Store) {
	prefix := "/" + kindRule + "/"
	for ctx.Err() == nil {
		res, err := st.List(ctx, prefix, store.ListOptions{})
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
				continue
			}
		}
		x.reset(res.Objects)
		for ev := range st.Watch(ctx, prefix, res.Revision+1) {
			if ev.Type == store.EventDelete {
				x.remove(ev.Object.Key)
			} else {
				x.put(ev.Object.Key, ev.Object.Value)
			}
		}
	}
}

// Listening reports whether any rule of an account and region could
// match an event, for services to skip building events nobody routes.
func (s *Service) Listening(account, region string) bool {
	return s.router.index.has(scope{account: account, region: region})
}

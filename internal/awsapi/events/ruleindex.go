package events

import (
	"context"
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
	mu     sync.Mutex
	keys   map[string]scope    // rule key → its scope
	scopes map[scope]int       // rules per scope
	marked map[scope]time.Time // when PutRule last marked a scope
}

// markLife is how long a mark stands in for the watch.
const markLife = 30 * time.Second

func newRuleIndex() *ruleIndex {
	return &ruleIndex{keys: map[string]scope{}, scopes: map[scope]int{}, marked: map[scope]time.Time{}}
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

func (x *ruleIndex) put(key string) {
	sc, ok := scopeOfRuleKey(key)
	if !ok {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, seen := x.keys[key]; !seen {
		x.keys[key] = sc
		x.scopes[sc]++
	}
}

func (x *ruleIndex) remove(key string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if sc, seen := x.keys[key]; seen {
		delete(x.keys, key)
		if x.scopes[sc]--; x.scopes[sc] <= 0 {
			delete(x.scopes, sc)
		}
	}
}

// reset replaces the index with a listing's keys.
func (x *ruleIndex) reset(keys []string) {
	x.mu.Lock()
	x.keys, x.scopes = map[string]scope{}, map[scope]int{}
	x.mu.Unlock()
	for _, k := range keys {
		x.put(k)
	}
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
		keys := make([]string, len(res.Objects))
		for i, o := range res.Objects {
			keys[i] = o.Key
		}
		x.reset(keys)
		for ev := range st.Watch(ctx, prefix, res.Revision+1) {
			if ev.Type == store.EventDelete {
				x.remove(ev.Object.Key)
			} else {
				x.put(ev.Object.Key)
			}
		}
	}
}

// Listening reports whether any rule of an account and region could
// match an event, for services to skip building events nobody routes.
func (s *Service) Listening(account, region string) bool {
	return s.router.index.has(scope{account: account, region: region})
}

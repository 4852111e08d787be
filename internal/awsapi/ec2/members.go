package ec2

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/store"
)

// Security group members: the private addresses of each group's ENIs,
// kept in memory by a watch on the ENI records, so that SecurityPolicy —
// read at every task launch and in every round of enforcement — does not
// list and decode every ENI of an account and region each time.

// memberIndex maps scope → group id → private address → how many of the
// group's ENIs have it (VPCs of one scope may reuse addresses, so an
// address stays while any of its ENIs does), with each group's addresses
// sorted once per change rather than at every read. Its zero value is what
// RunIndex starts from. It is ready once its first listing is in; it is
// not while RunIndex is not running, nor while it lists again after its
// watch broke, and SecurityPolicy then lists the ENIs itself.
type memberIndex struct {
	mu      sync.Mutex
	running bool
	ready   bool
	rev     int64                 // the store revision the index reflects, when ready
	enis    map[string]indexedENI // by store key
	groups  map[scope]map[string]*groupMembers
	wake    chan struct{} // closed and replaced at every change; non-nil while running
}

// groupMembers are the addresses of one group's ENIs in one scope.
type groupMembers struct {
	count  map[string]int // address → the group's ENIs that have it
	sorted []string       // count's keys in order; nil when stale
}

// indexedENI is what the index keeps of one ENI record.
type indexedENI struct {
	sc     scope
	addr   string
	groups []string
	rev    int64 // of the record as last applied
}

// awaitLimit bounds how long NetworkChanges holds a signal back for the
// index to catch up (see await): only a stalled store gets near it.
const awaitLimit = 5 * time.Second

// RunIndex keeps the index of security group members that SecurityPolicy
// reads, following the ENI records until ctx ends: it lists them, watches
// from that listing on, and lists again whenever the watch breaks.
// Without it, SecurityPolicy lists the ENIs at every call, as it does
// whenever the index is not ready. A call while another runs returns at
// once.
func (s *Service) RunIndex(ctx context.Context) {
	x := &s.members
	if !x.start() {
		return
	}
	defer x.stop()
	for ctx.Err() == nil {
		items, rev, err := s.enis().ListAll(ctx, "/"+kindENI+"/")
		if err == nil {
			x.reset(items, rev)
			err = s.followENIs(ctx, rev)
			x.unready()
		}
		pause := 100 * time.Millisecond // a watch that broke: list again, without spinning
		if err != nil {
			pause = time.Second
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
}

// followENIs applies the changes after revision rev until the watch ends,
// or a record does not decode (then the index lists again, and until a
// listing decodes, SecurityPolicy lists and fails as it would without it).
func (s *Service) followENIs(ctx context.Context, rev int64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := s.store.Watch(ctx, "/"+kindENI+"/", rev+1)
	defer func() {
		cancel()
		for range ch { // the watch ends with ctx
		}
	}()
	for ev := range ch {
		if ev.Type == store.EventDelete {
			s.members.remove(ev.Object.Key, ev.Object.Revision)
			continue
		}
		v, err := s.enis().Decode(ev.Object)
		if err != nil {
			return err
		}
		s.members.put(ev.Object.Key, ev.Object.Revision, v)
	}
	return nil
}

// start marks the index running; false if it already was.
func (x *memberIndex) start() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.running {
		return false
	}
	x.running, x.wake = true, make(chan struct{})
	return true
}

// stop forgets everything: a stopped index is not read.
func (x *memberIndex) stop() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.running, x.ready, x.rev, x.enis, x.groups = false, false, 0, nil, nil
	close(x.wake)
	x.wake = nil
}

// changed wakes the waiters of await; x.mu is held.
func (x *memberIndex) changed() {
	close(x.wake)
	x.wake = make(chan struct{})
}

// reset replaces the index with a listing read from revision rev on.
func (x *memberIndex) reset(items []store.Item[ec2types.NetworkInterface], rev int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.enis, x.groups = make(map[string]indexedENI, len(items)), map[scope]map[string]*groupMembers{}
	for i := range items {
		x.putLocked(items[i].Key, items[i].Revision, &items[i].Value)
	}
	x.ready, x.rev = true, rev
	x.changed()
}

// unready marks the index behind the store, until the next reset.
func (x *memberIndex) unready() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ready = false
	x.changed()
}

// put applies an ENI record written at revision rev.
func (x *memberIndex) put(key string, rev int64, v *ec2types.NetworkInterface) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.putLocked(key, rev, v)
	x.rev = max(x.rev, rev)
	x.changed()
}

// remove applies the deletion of an ENI record at revision rev.
func (x *memberIndex) remove(key string, rev int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.enis[key]; ok && old.rev < rev {
		x.count(old, -1)
		delete(x.enis, key)
	}
	x.rev = max(x.rev, rev)
	x.changed()
}

// putLocked replaces what the index has of key unless that is newer: a
// listing's pages are read one after another, so the watch from its first
// page's revision may repeat changes a later page already showed.
func (x *memberIndex) putLocked(key string, rev int64, v *ec2types.NetworkInterface) {
	old, ok := x.enis[key]
	if ok && old.rev >= rev {
		return
	}
	sc, scoped := scopeOfKey(key)
	if !scoped {
		return
	}
	e := indexedENI{sc: sc, addr: v.PrivateIpAddress, rev: rev}
	for _, g := range v.Groups {
		e.groups = append(e.groups, g.GroupId)
	}
	if ok {
		x.count(old, -1)
	}
	x.count(e, +1)
	x.enis[key] = e
}

// count adds n to the count of e's address in each of its groups,
// dropping what reaches zero.
func (x *memberIndex) count(e indexedENI, n int) {
	byGroup := x.groups[e.sc]
	if byGroup == nil {
		byGroup = map[string]*groupMembers{}
		x.groups[e.sc] = byGroup
	}
	for _, g := range e.groups {
		m := byGroup[g]
		if m == nil {
			m = &groupMembers{count: map[string]int{}}
			byGroup[g] = m
		}
		m.sorted = nil
		if m.count[e.addr] += n; m.count[e.addr] <= 0 {
			delete(m.count, e.addr)
			if len(m.count) == 0 {
				delete(byGroup, g)
			}
		}
	}
	if len(byGroup) == 0 {
		delete(x.groups, e.sc)
	}
}

// members returns the sorted addresses of each of groups that has ENIs in
// sc, or false when the index is not ready.
func (x *memberIndex) members(sc scope, groups map[string]bool) (map[string][]string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.ready {
		return nil, false
	}
	out := map[string][]string{}
	for g := range groups {
		m := x.groups[sc][g]
		if m == nil {
			continue
		}
		if m.sorted == nil {
			m.sorted = slices.Sorted(maps.Keys(m.count))
		}
		out[g] = slices.Clone(m.sorted) // the caller's to change
	}
	return out, true
}

// await returns once the index reflects store revision rev, or cannot
// soon: it is not running (SecurityPolicy then lists), ctx ended, or
// awaitLimit passed. NetworkChanges calls it before signalling an ENI
// change, so that the policies read on that signal include the change.
func (x *memberIndex) await(ctx context.Context, rev int64) {
	wake, ok := x.behind(rev)
	if !ok {
		return
	}
	limit := time.NewTimer(awaitLimit)
	defer limit.Stop()
	for ok {
		select {
		case <-wake:
		case <-ctx.Done():
			return
		case <-limit.C:
			return
		}
		wake, ok = x.behind(rev)
	}
}

// behind reports whether the index runs and does not yet reflect rev,
// and the channel that is closed at its next change.
func (x *memberIndex) behind(rev int64) (<-chan struct{}, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.wake, x.running && !(x.ready && x.rev >= rev)
}

// scopeOfKey is the scope of a record's key, /<kind>/<account>/<region>/<id>.
func scopeOfKey(key string) (scope, bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 5 {
		return scope{}, false
	}
	return scope{account: parts[2], region: parts[3]}, true
}

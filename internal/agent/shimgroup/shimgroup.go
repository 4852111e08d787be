// Package shimgroup chooses which containerd shim runs each task's
// containers. containerd-shim-runc-v2 serves every container whose spec
// carries the same group annotation from one process, as it does for a
// Kubernetes pod. A shim of its own per task costs a Go process start (about
// a tenth of a launch's CPU on a small host) and its memory for the task's
// life, so the agent puts several tasks in one shim.
//
// A shim exits when a delete leaves it without containers, and it creates
// containers one at a time. A task must therefore never join a group whose
// last container is being deleted — its create would reach a shim on its way
// out — and joins are spread over a few groups. The pool rules the race out
// by bookkeeping alone:
//
//   - a task joins only a group with an established member (one whose
//     containers exist and are not being deleted), or founds a new group;
//   - a member about to delete its containers while it is the group's last
//     established one waits for the members still joining, so the shim never
//     empties under a create;
//   - a group left without members is sealed, never joined again, and so is
//     a group that has taken Size members.
//
// Groups are named after a nonce of the pool, so the groups of tasks adopted
// after a restart, which the pool does not know, are never joined.
package shimgroup

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
)

// Defaults: a crash of one shim stops at most DefaultSize tasks' containers
// (containerd then reports them exited); a new group is founded when each
// joinable one already has DefaultMaxJoining creates in flight.
const (
	DefaultSize       = 8
	DefaultMaxJoining = 2
)

// Pool hands out shim groups. The zero value is not usable; use New.
type Pool struct {
	size, maxJoining int
	prefix           string

	mu      sync.Mutex
	changed sync.Cond // a member finished joining
	seq     int
	open    []*group // groups that may still be joined
}

type group struct {
	name        string
	joined      int // members ever
	joining     int // members creating their containers
	established int // members whose containers exist and are not being deleted
}

// New returns a pool putting up to size tasks in one shim, founding a new
// group when every joinable one has maxJoining creates in flight.
func New(size, maxJoining int) *Pool {
	var nonce [4]byte
	_, _ = rand.Read(nonce[:])
	p := &Pool{size: max(size, 1), maxJoining: max(maxJoining, 1), prefix: "berth-" + hex.EncodeToString(nonce[:])}
	p.changed.L = &p.mu
	return p
}

// Member is one task's place in a group, from before its first container
// is created until before its containers are deleted.
type Member struct {
	p     *Pool
	g     *group
	state int
}

const (
	joining = iota
	established
	left
)

// Join places a task about to create its containers.
func (p *Pool) Join() *Member {
	p.mu.Lock()
	defer p.mu.Unlock()
	var g *group
	for _, o := range p.open {
		if o.established > 0 && (g == nil || o.joining < g.joining) {
			g = o
		}
	}
	if g == nil || g.joining >= p.maxJoining {
		p.seq++
		g = &group{name: p.prefix + "-" + strconv.Itoa(p.seq)}
		p.open = append(p.open, g)
	}
	g.joined++
	g.joining++
	if g.joined >= p.size {
		p.close(g)
	}
	return &Member{p: p, g: g}
}

// Name is the group, the shim annotation of the member's containers.
func (m *Member) Name() string { return m.g.name }

// Created ends the member's creates; created says whether any of its
// containers exists now. Calls after the first do nothing.
func (m *Member) Created(created bool) {
	p := m.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if m.state != joining {
		return
	}
	m.g.joining--
	if created {
		m.state = established
		m.g.established++
	} else {
		m.state = left
		p.retire(m.g)
	}
	p.changed.Broadcast()
}

// Leave is called before the member's containers are deleted. If it is the
// group's last established member and others are still creating theirs, it
// waits for them, so the shim still has containers when its own go.
// Calls after the first, or before Created, do nothing.
func (m *Member) Leave() {
	p := m.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if m.state != established {
		return
	}
	m.state = left
	m.g.established--
	for m.g.established == 0 && m.g.joining > 0 {
		p.changed.Wait()
	}
	p.retire(m.g)
}

// retire seals g once no member holds or is creating containers in it.
func (p *Pool) retire(g *group) {
	if g.established == 0 && g.joining == 0 {
		p.close(g)
	}
}

// close makes g unjoinable.
func (p *Pool) close(g *group) {
	for i, o := range p.open {
		if o == g {
			p.open = append(p.open[:i], p.open[i+1:]...)
			return
		}
	}
}

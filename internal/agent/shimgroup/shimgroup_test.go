package shimgroup

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFoundersAreNotJoinedUntilEstablished(t *testing.T) {
	p := New(8, 2)
	a := p.Join()
	b := p.Join()
	if a.Name() == b.Name() {
		t.Fatalf("second task joined %s before its founder had a container", a.Name())
	}
	if !strings.HasPrefix(a.Name(), p.prefix+"-") {
		t.Fatalf("group %q lacks the pool's nonce %q", a.Name(), p.prefix)
	}
	a.Created(true)
	if c := p.Join(); c.Name() != a.Name() {
		t.Fatalf("joined %s, want the established group %s", c.Name(), a.Name())
	}
}

func TestJoinsSpreadOverGroupsWithCreatesInFlight(t *testing.T) {
	p := New(8, 2)
	a := p.Join()
	a.Created(true)
	b, c := p.Join(), p.Join() // two creates in flight in a's group
	if b.Name() != a.Name() || c.Name() != a.Name() {
		t.Fatalf("joined %s and %s, want %s", b.Name(), c.Name(), a.Name())
	}
	if d := p.Join(); d.Name() == a.Name() {
		t.Fatalf("a third concurrent create went to %s, which creates one at a time", a.Name())
	}
	b.Created(true)
	if e := p.Join(); e.Name() != a.Name() {
		t.Fatalf("joined %s, want %s once a create there finished", e.Name(), a.Name())
	}
}

func TestGroupTakesAtMostSizeMembers(t *testing.T) {
	p := New(3, 5)
	first := p.Join()
	first.Created(true)
	for range 2 {
		m := p.Join()
		m.Created(true)
		if m.Name() != first.Name() {
			t.Fatalf("joined %s, want %s", m.Name(), first.Name())
		}
	}
	if m := p.Join(); m.Name() == first.Name() {
		t.Fatalf("fourth member joined %s of size 3", m.Name())
	}
}

func TestEmptiedGroupIsSealed(t *testing.T) {
	p := New(8, 2)
	a := p.Join()
	a.Created(true)
	a.Leave()
	if b := p.Join(); b.Name() == a.Name() {
		t.Fatalf("joined %s after its last member left: its shim may be exiting", a.Name())
	}
	f := p.Join() // a founder whose create fails leaves its group sealed too
	f.Created(false)
	if g := p.Join(); g.Name() == f.Name() {
		t.Fatalf("joined %s, which never had a container", f.Name())
	}
}

func TestLastMemberWaitsForJoiners(t *testing.T) {
	p := New(8, 2)
	a := p.Join()
	a.Created(true)
	b := p.Join()
	left := make(chan struct{})
	go func() { a.Leave(); close(left) }()
	select {
	case <-left:
		t.Fatal("the last established member left while another was creating in its shim")
	case <-time.After(50 * time.Millisecond):
	}
	b.Created(true)
	<-left
	if c := p.Join(); c.Name() != a.Name() {
		t.Fatalf("joined %s, want %s, still held by b", c.Name(), a.Name())
	}
}

func TestRepeatedCallsAreHarmless(t *testing.T) {
	p := New(8, 2)
	a := p.Join()
	a.Leave() // before Created: nothing
	a.Created(true)
	a.Created(false)
	a.Leave()
	a.Leave()
	if g := p.open; len(g) != 0 {
		t.Fatalf("open groups after the only member left: %d", len(g))
	}
}

// shims models containerd-shim-runc-v2's lifetime per group: started by
// the first create, exiting when a delete or a failed create (containerd
// then asks it to shut down) leaves it empty. A create into a group whose
// shim has exited is the race the pool exists to prevent.
type shims struct {
	mu         sync.Mutex
	containers map[string]int
	exited     map[string]bool
	t          *testing.T
}

func (s *shims) create(group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exited[group] {
		s.t.Errorf("create into %s after its shim exited", group)
	}
	s.containers[group]++
}

func (s *shims) failedCreate(group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exited[group] {
		s.t.Errorf("create into %s after its shim exited", group)
	}
	if s.containers[group] == 0 {
		s.exited[group] = true
	}
}

func (s *shims) delete(group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.containers[group]--; s.containers[group] == 0 {
		s.exited[group] = true
	}
}

func TestNoCreateReachesAnExitedShim(t *testing.T) {
	p := New(4, 2)
	s := &shims{containers: map[string]int{}, exited: map[string]bool{}, t: t}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			pause := func() { time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond) }
			for range 300 {
				m := p.Join()
				n := 0
				for range 1 + rng.IntN(3) {
					pause()
					if rng.IntN(10) == 0 {
						s.failedCreate(m.Name())
						break
					}
					s.create(m.Name())
					n++
				}
				m.Created(n > 0)
				pause()
				m.Leave()
				for range n {
					s.delete(m.Name())
					pause()
				}
			}
		}()
	}
	wg.Wait()
	for _, g := range p.open {
		t.Errorf("group %s still open with every member gone (%d joining, %d established)", g.name, g.joining, g.established)
	}
	t.Logf("%d groups for 2400 tasks", p.seq)
}

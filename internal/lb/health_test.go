package lb

import (
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestNextHealth(t *testing.T) {
	hc := HealthCheck{HealthyThreshold: 3, UnhealthyThreshold: 2}
	pass := checkResult{ok: true, status: 200}
	code := checkResult{status: 500}
	slow := checkResult{timeout: true}
	refused := checkResult{}
	tests := []struct {
		name    string
		results []checkResult
		want    Health
	}{
		{"new target", nil, healthRegistering},
		{"new target healthy after one pass", []checkResult{pass}, Health{State: StateHealthy}},
		{"new target failing once stays initial", []checkResult{code},
			Health{StateInitial, ReasonInitialHealthChecking, "Initial health checks in progress"}},
		{"new target unhealthy after threshold", []checkResult{code, code},
			Health{StateUnhealthy, ReasonResponseCodeMismatch, "Health checks failed with these codes: [500]"}},
		{"healthy survives one failure", []checkResult{pass, slow}, Health{State: StateHealthy}},
		{"healthy to unhealthy by timeout", []checkResult{pass, slow, slow},
			Health{StateUnhealthy, ReasonTimeout, "Request timed out"}},
		{"failures must be consecutive", []checkResult{pass, slow, pass, slow}, Health{State: StateHealthy}},
		{"refused", []checkResult{refused, refused},
			Health{StateUnhealthy, ReasonFailedHealthChecks, "Health checks failed"}},
		{"unhealthy reason follows the latest failure", []checkResult{code, code, slow},
			Health{StateUnhealthy, ReasonTimeout, "Request timed out"}},
		{"unhealthy needs healthy threshold", []checkResult{code, code, pass, pass},
			Health{StateUnhealthy, ReasonResponseCodeMismatch, "Health checks failed with these codes: [500]"}},
		{"unhealthy back to healthy", []checkResult{code, code, pass, pass, pass}, Health{State: StateHealthy}},
		{"passes must be consecutive", []checkResult{code, code, pass, pass, code, pass, pass},
			Health{StateUnhealthy, ReasonResponseCodeMismatch, "Health checks failed with these codes: [500]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := healthState{Health: healthRegistering}
			for _, r := range tt.results {
				s = next(s, r, hc)
			}
			if s.Health != tt.want {
				t.Errorf("health = %+v, want %+v", s.Health, tt.want)
			}
		})
	}
}

func TestParseMatcher(t *testing.T) {
	tests := []struct {
		in      string
		yes, no []int
		bad     bool
	}{
		{in: "200", yes: []int{200}, no: []int{201, 199}},
		{in: "200-299", yes: []int{200, 250, 299}, no: []int{300, 199}},
		{in: "200,204", yes: []int{200, 204}, no: []int{202}},
		{in: "200, 302-304", yes: []int{200, 303}, no: []int{301, 305}},
		{in: "", bad: true},
		{in: "abc", bad: true},
		{in: "299-200", bad: true},
		{in: "99", bad: true},
		{in: "200-", bad: true},
	}
	for _, tt := range tests {
		m, err := parseMatcher(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("parseMatcher(%q) accepted", tt.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseMatcher(%q): %v", tt.in, err)
			continue
		}
		for _, c := range tt.yes {
			if !m.match(c) {
				t.Errorf("%q does not match %d", tt.in, c)
			}
		}
		for _, c := range tt.no {
			if m.match(c) {
				t.Errorf("%q matches %d", tt.in, c)
			}
		}
	}
}

// TestHealthTransitions runs real checks against a backend whose health
// endpoint changes its answer.
func TestHealthTransitions(t *testing.T) {
	p, _ := newPlane(t, Options{})
	b := newBackend(t, "a", nil)
	cfg := oneLB(checked(tgOf("tg", b)))
	mustApply(t, p, cfg)

	if h, ok := p.TargetHealth("tg", b.addr); !ok || h.State != StateInitial {
		t.Fatalf("new target: %+v %v, want initial", h, ok)
	}
	waitState(t, p, "tg", b.addr, StateHealthy)

	b.healthStatus.Store(http.StatusInternalServerError)
	h := waitState(t, p, "tg", b.addr, StateUnhealthy)
	want := Health{StateUnhealthy, ReasonResponseCodeMismatch, "Health checks failed with these codes: [500]"}
	if h != want {
		t.Errorf("health = %+v, want %+v", h, want)
	}

	// Health survives an Apply of the same config.
	mustApply(t, p, cfg)
	if h, _ := p.TargetHealth("tg", b.addr); h.State != StateUnhealthy {
		t.Errorf("after re-Apply: %+v, want unhealthy kept", h)
	}

	b.healthStatus.Store(http.StatusNoContent)
	start := time.Now()
	waitState(t, p, "tg", b.addr, StateHealthy)
	// Three passes at a 100 ms interval: at least two intervals.
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("healthy again after %v: HealthyThreshold not honoured", d)
	}
}

func TestHealthFailureReasons(t *testing.T) {
	p, _ := newPlane(t, Options{})
	slow := rawBackend(t, "slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
	}))
	// A port nothing listens on: closed backend.
	gone := newBackend(t, "gone", nil)
	_ = gone.srv.Close()

	mustApply(t, p, oneLB(checked(tgOf("tg", slow, gone))))
	h := waitState(t, p, "tg", slow.addr, StateUnhealthy)
	if h.Reason != ReasonTimeout || h.Description != "Request timed out" {
		t.Errorf("slow target: %+v", h)
	}
	h = waitState(t, p, "tg", gone.addr, StateUnhealthy)
	if h.Reason != ReasonFailedHealthChecks || h.Description != "Health checks failed" {
		t.Errorf("closed target: %+v", h)
	}
}

func TestHealthStatesWithoutChecks(t *testing.T) {
	p, _ := newPlane(t, Options{})
	a, b, c := newBackend(t, "a", nil), newBackend(t, "b", nil), newBackend(t, "c", nil)
	used := checked(tgOf("used", a))
	used.Targets = append(used.Targets, Target{Addr: b.addr, Draining: true})
	disabled := tgOf("disabled", c)
	disabled.Port = c.addr.Port()
	cfg := oneLB(used, disabled, checked(tgOf("unused", c)))
	cfg.LoadBalancers[0].Listeners[0].Rules = []Rule{{ARN: "r", Priority: 1,
		Conditions: []Condition{{PathPatterns: []string{"/c"}}}, Action: forward("disabled")}}
	mustApply(t, p, cfg)

	tests := []struct {
		tg   string
		addr netip.AddrPort
		want Health
	}{
		{"used", b.addr, healthDraining},
		{"disabled", c.addr, healthDisabled},
		{"unused", c.addr, healthUnused},
	}
	for _, tt := range tests {
		if h, ok := p.TargetHealth(tt.tg, tt.addr); !ok || h != tt.want {
			t.Errorf("%s %v: %+v %v, want %+v", tt.tg, tt.addr, h, ok, tt.want)
		}
	}
	if _, ok := p.TargetHealth("used", c.addr); ok {
		t.Error("a target not registered in the group has a health")
	}
	if _, ok := p.TargetHealth("nope", c.addr); ok {
		t.Error("a group not in the config has a health")
	}
	// A target asked for with port 0 is found under the group's port.
	if h, ok := p.TargetHealth("disabled", netip.AddrPortFrom(c.addr.Addr(), 0)); !ok || h != healthDisabled {
		t.Errorf("port 0 in a group with a port: %+v %v", h, ok)
	}
	if _, ok := p.TargetHealth("used", netip.AddrPortFrom(a.addr.Addr(), 0)); ok {
		t.Error("port 0 found a target although the group has no port")
	}
}

func TestHealthCheckRequest(t *testing.T) {
	p, _ := newPlane(t, Options{})
	seen := make(chan *http.Request, 10)
	b := rawBackend(t, "a", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case seen <- r:
		default:
		}
	}))
	tg := checked(tgOf("tg", b))
	tg.HealthCheck.Path = "/ping?deep=1"
	cfg := oneLB(tg)
	cfg.LoadBalancers[0].Source = netip.MustParseAddr("127.0.0.9")
	mustApply(t, p, cfg)
	r := <-seen
	if got := clientAddr(r.RemoteAddr).String(); got != "127.0.0.9" {
		t.Errorf("health check from %s, want the load balancer's source 127.0.0.9", got)
	}
	if r.Method != http.MethodGet || r.URL.RequestURI() != "/ping?deep=1" ||
		r.Host != b.addr.String() || !strings.HasPrefix(r.UserAgent(), "ELB-HealthChecker/") {
		t.Errorf("health check: %s %s Host %s UA %q", r.Method, r.URL.RequestURI(), r.Host, r.UserAgent())
	}
	if !r.Close {
		t.Error("health check keeps its connection; ALB closes it after each check")
	}
}

// TestCheckersFollowTargets: one checker per checked target; checkers end
// when their target goes or their group is no longer used, and a group used
// again starts its targets over from initial.
func TestCheckersFollowTargets(t *testing.T) {
	p, _ := newPlane(t, Options{})
	a, b := newBackend(t, "a", nil), newBackend(t, "b", nil)
	both := oneLB(checked(tgOf("tg", a, b)))
	mustApply(t, p, both)
	waitCheckers(t, 2)
	mustApply(t, p, oneLB(checked(tgOf("tg", a))))
	waitCheckers(t, 1)
	waitState(t, p, "tg", a.addr, StateHealthy)

	unused := oneLB(checked(tgOf("tg", a)))
	unused.LoadBalancers[0].Listeners[0].Default = Action{Fixed: &FixedResponse{StatusCode: 200}}
	mustApply(t, p, unused)
	waitCheckers(t, 0)
	if h, _ := p.TargetHealth("tg", a.addr); h != healthUnused {
		t.Errorf("target of an unused group: %+v", h)
	}
	mustApply(t, p, both)
	if h, _ := p.TargetHealth("tg", a.addr); h != healthRegistering {
		t.Errorf("target of a group used again: %+v, want initial", h)
	}
	waitCheckers(t, 2)
}

// waitCheckers waits until n checker goroutines run.
func waitCheckers(t *testing.T, n int) {
	t.Helper()
	var got int
	for range 200 {
		buf := make([]byte, 1<<20)
		got = strings.Count(string(buf[:runtime.Stack(buf, true)]), "lb.(*Plane).runChecks(")
		if got == n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%d checkers run, want %d", got, n)
}

package lb

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestRoundRobin(t *testing.T) {
	p, n := newPlane(t, Options{})
	a, b, c := newBackend(t, "a", nil), newBackend(t, "b", nil), newBackend(t, "c", nil)
	mustApply(t, p, oneLB(tgOf("tg", a, b, c)))
	url := n.url(t, "127.0.0.1", 80)

	var order []string
	for range 30 {
		r := get(t, url+"/")
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		order = append(order, r.body)
	}
	for i := 3; i < len(order); i++ {
		if order[i] != order[i-3] {
			t.Fatalf("not round robin: %v", order)
		}
	}
	for _, be := range []*backend{a, b, c} {
		if be.hits.Load() != 10 {
			t.Errorf("%s got %d of 30 requests", be.name, be.hits.Load())
		}
	}
}

func TestWeights(t *testing.T) {
	p, n := newPlane(t, Options{})
	a, b, z := newBackend(t, "a", nil), newBackend(t, "b", nil), newBackend(t, "zero", nil)
	cfg := oneLB(tgOf("a", a), tgOf("b", b), tgOf("zero", z))
	cfg.LoadBalancers[0].Listeners[0].Default = Action{Forward: []WeightedGroup{
		{ARN: "a", Weight: 1}, {ARN: "b", Weight: 3}, {ARN: "zero", Weight: 0},
	}}
	mustApply(t, p, cfg)
	url := n.url(t, "127.0.0.1", 80)
	const total = 800
	for range total {
		get(t, url)
	}
	// Expect 200 and 600; the spread of a binomial(800, 1/4) is ~12.
	if got := a.hits.Load(); got < 140 || got > 260 {
		t.Errorf("weight 1 of 4 got %d of %d", got, total)
	}
	if got := z.hits.Load(); got != 0 {
		t.Errorf("weight 0 got %d requests", got)
	}
	if a.hits.Load()+b.hits.Load() != total {
		t.Errorf("lost requests: %d + %d", a.hits.Load(), b.hits.Load())
	}
}

func TestFailOpen(t *testing.T) {
	p, n := newPlane(t, Options{})
	a, b := newBackend(t, "a", nil), newBackend(t, "b", nil)
	a.healthStatus.Store(http.StatusServiceUnavailable)
	b.healthStatus.Store(http.StatusServiceUnavailable)
	mustApply(t, p, oneLB(checked(tgOf("tg", a, b))))
	url := n.url(t, "127.0.0.1", 80)
	waitState(t, p, "tg", a.addr, StateUnhealthy)
	waitState(t, p, "tg", b.addr, StateUnhealthy)

	// No target healthy: all of them take requests.
	for range 10 {
		if r := get(t, url); r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
	}
	if a.hits.Load() != 5 || b.hits.Load() != 5 {
		t.Errorf("fail-open spread: a %d, b %d", a.hits.Load(), b.hits.Load())
	}

	// One healthy: only it.
	b.healthStatus.Store(http.StatusOK)
	waitState(t, p, "tg", b.addr, StateHealthy)
	a.hits.Store(0)
	for range 10 {
		get(t, url)
	}
	if a.hits.Load() != 0 {
		t.Errorf("unhealthy target got %d requests while another was healthy", a.hits.Load())
	}
}

// TestInitialNotPreferred: a new target, still initial, takes no requests
// while the group has a healthy one.
func TestInitialNotPreferred(t *testing.T) {
	p, n := newPlane(t, Options{})
	a, b := newBackend(t, "a", nil), newBackend(t, "b", nil)
	b.healthStatus.Store(http.StatusInternalServerError) // never passes
	mustApply(t, p, oneLB(checked(tgOf("tg", a))))
	waitState(t, p, "tg", a.addr, StateHealthy)
	mustApply(t, p, oneLB(checked(tgOf("tg", a, b))))
	url := n.url(t, "127.0.0.1", 80)
	for range 20 {
		get(t, url)
	}
	if b.hits.Load() != 0 {
		t.Errorf("initial target got %d requests", b.hits.Load())
	}
	if h, _ := p.TargetHealth("tg", b.addr); h.State == StateHealthy {
		t.Errorf("b is %+v", h)
	}
}

func TestDraining(t *testing.T) {
	p, n := newPlane(t, Options{})
	release := make(chan struct{})
	started := make(chan struct{})
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-release
		}
		_, _ = io.WriteString(w, "slow")
	})
	other := newBackend(t, "other", nil)
	tg := tgOf("tg", slow)
	tg.DeregistrationDelay = time.Minute
	mustApply(t, p, oneLB(tg))
	url := n.url(t, "127.0.0.1", 80)

	inflight := make(chan response, 1)
	go func() { inflight <- do(t, http.MethodGet, url+"/slow", "", nil) }()
	<-started

	tg = tgOf("tg", other)
	tg.Targets = append(tg.Targets, Target{Addr: slow.addr, Draining: true})
	tg.DeregistrationDelay = time.Minute
	mustApply(t, p, oneLB(tg))
	if h, _ := p.TargetHealth("tg", slow.addr); h != healthDraining {
		t.Errorf("draining target: %+v", h)
	}
	for range 5 {
		if r := get(t, url); r.body != "other" {
			t.Fatalf("a new request went to %q, not the registered target", r.body)
		}
	}
	close(release)
	if r := <-inflight; r.status != http.StatusOK || r.body != "slow" {
		t.Errorf("in-flight request to a draining target: %d %q", r.status, r.body)
	}
	// Its connection is closed once the request is done.
	eventually(t, "the draining target's connections to close", func() bool { return slow.open.Load() == 0 })
}

func TestDeregistrationDelayCutsInflight(t *testing.T) {
	p, n := newPlane(t, Options{})
	started := make(chan struct{})
	stuck := newBackend(t, "stuck", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	})
	tg := tgOf("tg", stuck)
	tg.DeregistrationDelay = 50 * time.Millisecond
	mustApply(t, p, oneLB(tg))
	url := n.url(t, "127.0.0.1", 80)
	done := make(chan response, 1)
	go func() { done <- get(t, url) }()
	<-started
	tg.Targets[0].Draining = true
	mustApply(t, p, oneLB(tg))
	select {
	case r := <-done:
		if r.status != http.StatusBadGateway {
			t.Errorf("cut request: %d, want 502", r.status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the deregistration delay did not cut the request in flight")
	}
}

func TestALBErrors(t *testing.T) {
	p, n := newPlane(t, Options{})
	refused := newBackend(t, "refused", nil)
	_ = refused.srv.Close()
	reset := rawBackend(t, "reset", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, _ := w.(http.Hijacker).Hijack()
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}))
	malformed := rawBackend(t, "malformed", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, buf, _ := w.(http.Hijacker).Hijack()
		_, _ = buf.WriteString("HTTP/1.1 two hundred\r\n\r\n")
		_ = buf.Flush()
		c.Close()
	}))
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})

	groups := []TargetGroup{tgOf("refused", refused), tgOf("reset", reset), tgOf("malformed", malformed),
		tgOf("slow", slow), tgOf("empty"), {ARN: "drained", Targets: []Target{{Addr: slow.addr, Draining: true}}}}
	cfg := oneLB(groups...)
	for i, g := range groups {
		cfg.LoadBalancers[0].Listeners[0].Rules = append(cfg.LoadBalancers[0].Listeners[0].Rules, Rule{
			ARN: g.ARN, Priority: i + 1, Conditions: []Condition{{PathPatterns: []string{"/" + g.ARN}}}, Action: forward(g.ARN)})
	}
	cfg.LoadBalancers[0].IdleTimeout = 100 * time.Millisecond
	mustApply(t, p, cfg)
	url := n.url(t, "127.0.0.1", 80)

	tests := []struct {
		path   string
		status int
	}{
		{"/refused", http.StatusBadGateway},
		{"/reset", http.StatusBadGateway},
		{"/malformed", http.StatusBadGateway},
		{"/slow", http.StatusGatewayTimeout},
		{"/empty", http.StatusServiceUnavailable},
		{"/drained", http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.path[1:], func(t *testing.T) {
			r := get(t, url+tt.path)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d (%s)", r.status, tt.status, r.body)
			}
			if got := r.header.Get("Server"); got != "awselb/2.0" {
				t.Errorf("Server %q", got)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/html" {
				t.Errorf("Content-Type %q", ct)
			}
			title := fmt.Sprintf("%d %s", tt.status, http.StatusText(tt.status))
			if r.body != string(errorPage(tt.status)) || !strings.Contains(r.body, "<title>"+title+"</title>") {
				t.Errorf("body %q", r.body)
			}
		})
	}
}

func TestConnectTimeout(t *testing.T) {
	n := &testNet{dial: func(ctx context.Context, _ netip.Addr, _ netip.AddrPort) (net.Conn, error) {
		<-ctx.Done() // a target that never answers SYN
		return nil, ctx.Err()
	}}
	p, _ := newPlane(t, Options{Net: n, ConnectTimeout: 50 * time.Millisecond})
	mustApply(t, p, oneLB(tgOf("tg", newBackend(t, "a", nil))))
	if r := get(t, n.url(t, "127.0.0.1", 80)); r.status != http.StatusGatewayTimeout {
		t.Errorf("status %d, want 504", r.status)
	}
}

func TestForwardedHeaders(t *testing.T) {
	p, n := newPlane(t, Options{Now: func() time.Time { return time.Unix(0x67891233, 0) }})
	seen := make(chan *http.Request, 1)
	b := newBackend(t, "a", func(w http.ResponseWriter, r *http.Request) { seen <- r })
	src := netip.MustParseAddr("127.0.0.9")
	cfg := oneLB(tgOf("tg", b))
	cfg.LoadBalancers[0].Source = src
	cfg.LoadBalancers[0].Listeners[0].Port = 8080
	mustApply(t, p, cfg)
	url := n.url(t, "127.0.0.1", 8080)

	tests := []struct {
		name      string
		in        http.Header
		xff       string
		traceWant func(string) bool
	}{
		{"fresh", nil, "127.0.0.1", func(v string) bool {
			return len(v) == len("Root=1-67891233-abcdef012345678912345678") && strings.HasPrefix(v, "Root=1-67891233-")
		}},
		{"appended", http.Header{"X-Forwarded-For": {"203.0.113.1, 10.0.0.1"},
			"X-Amzn-Trace-Id": {"Root=1-5759e988-bd862e3fe1be46a994272793;CalledFrom=app"}},
			"203.0.113.1, 10.0.0.1, 127.0.0.1", func(v string) bool {
				return strings.HasPrefix(v, "Self=1-67891233-") &&
					strings.HasSuffix(v, ";Root=1-5759e988-bd862e3fe1be46a994272793;CalledFrom=app")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := tt.in.Clone()
			if hdr == nil {
				hdr = http.Header{}
			}
			hdr.Set("X-Forwarded-Proto", "https") // a client's claim is replaced
			r := do(t, http.MethodGet, url+"/x?q=1", "My.Host", hdr)
			if r.status != http.StatusOK {
				t.Fatalf("status %d", r.status)
			}
			got := <-seen
			checks := map[string][2]string{
				"X-Forwarded-For":   {got.Header.Get("X-Forwarded-For"), tt.xff},
				"X-Forwarded-Proto": {got.Header.Get("X-Forwarded-Proto"), "http"},
				"X-Forwarded-Port":  {got.Header.Get("X-Forwarded-Port"), "8080"},
				"Host":              {got.Host, "My.Host"},
				"RequestURI":        {got.RequestURI, "/x?q=1"},
				"source address":    {clientAddr(got.RemoteAddr).String(), src.String()},
			}
			for what, c := range checks {
				if c[0] != c[1] {
					t.Errorf("%s = %q, want %q", what, c[0], c[1])
				}
			}
			if v := got.Header.Get("X-Amzn-Trace-Id"); !tt.traceWant(v) {
				t.Errorf("X-Amzn-Trace-Id = %q", v)
			}
		})
	}
}

func TestTraceHeader(t *testing.T) {
	now := time.Unix(0x67891233, 0)
	tests := []struct{ in, prefix, suffix string }{
		{"", "Root=1-67891233-", ""},
		{"Root=1-5759e988-bd862e3fe1be46a994272793", "Self=1-67891233-", ";Root=1-5759e988-bd862e3fe1be46a994272793"},
		{"Self=1-00000000-000000000000000000000000;Root=1-5759e988-bd862e3fe1be46a994272793",
			"Self=1-67891233-", ";Root=1-5759e988-bd862e3fe1be46a994272793"},
		{"CalledFrom=app", "Root=1-67891233-", ";CalledFrom=app"},
	}
	for _, tt := range tests {
		got := traceHeader(tt.in, now)
		if !strings.HasPrefix(got, tt.prefix) || !strings.HasSuffix(got, tt.suffix) ||
			strings.Count(got, "1-67891233-") != 1 {
			t.Errorf("traceHeader(%q) = %q", tt.in, got)
		}
	}
	v := newTraceValue(now)
	if len(v) != 35 || v[:11] != "1-67891233-" || strings.Trim(v[11:], "0123456789abcdef") != "" {
		t.Errorf("trace value %q", v)
	}
}

func TestFixedResponseAndRedirect(t *testing.T) {
	p, n := newPlane(t, Options{})
	cfg := oneLB(tgOf("tg"))
	l := &cfg.LoadBalancers[0].Listeners[0]
	l.Default = Action{Fixed: &FixedResponse{StatusCode: 418, ContentType: "application/json", Body: `{"tea":true}`}}
	l.Rules = []Rule{
		{ARN: "plain", Priority: 1, Conditions: []Condition{{PathPatterns: []string{"/plain"}}},
			Action: Action{Fixed: &FixedResponse{StatusCode: 200}}},
		{ARN: "https", Priority: 2, Conditions: []Condition{{PathPatterns: []string{"/secure/*"}}},
			Action: Action{Redirect: &Redirect{Protocol: "HTTPS", Port: "443", StatusCode: 301}}},
		{ARN: "moved", Priority: 3, Conditions: []Condition{{PathPatterns: []string{"/old/*"}}},
			Action: Action{Redirect: &Redirect{Host: "new.#{host}", Path: "/new/#{path}", Query: "#{query}&from=old", StatusCode: 302}}},
	}
	mustApply(t, p, cfg)
	url := n.url(t, "127.0.0.1", 80)

	r := get(t, url+"/anything")
	if r.status != 418 || r.body != `{"tea":true}` || r.header.Get("Content-Type") != "application/json; charset=utf-8" ||
		r.header.Get("Server") != "awselb/2.0" {
		t.Errorf("fixed: %d %q %v", r.status, r.body, r.header)
	}
	if r := get(t, url+"/plain"); r.status != 200 || r.body != "" || r.header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("empty fixed: %d %q %v", r.status, r.body, r.header)
	}
	r = do(t, http.MethodGet, url+"/secure/a%20b?x=1", "shop.example.com:80", nil)
	if loc := r.header.Get("Location"); r.status != 301 || loc != "https://shop.example.com/secure/a%20b?x=1" {
		t.Errorf("https redirect: %d %q", r.status, loc)
	}
	r = do(t, http.MethodGet, url+"/old/page?id=7", "shop.example.com", nil)
	if loc := r.header.Get("Location"); r.status != 302 || loc != "http://new.shop.example.com/new/old/page?id=7&from=old" {
		t.Errorf("moved: %d %q", r.status, loc)
	}
}

// TestKeepAliveToTargets: sequential requests reuse one connection.
func TestKeepAliveToTargets(t *testing.T) {
	p, n := newPlane(t, Options{})
	b := newBackend(t, "a", nil)
	mustApply(t, p, oneLB(tgOf("tg", b)))
	url := n.url(t, "127.0.0.1", 80)
	for range 20 {
		if r := get(t, url); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	}
	if got := b.conns.Load(); got != 1 {
		t.Errorf("%d connections to the target for 20 sequential requests", got)
	}
}

package lb

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testNet listens on loopback ports the system picks, whatever port the
// config names, so tests never collide on ports; it remembers where each
// configured address ended up.
type testNet struct {
	mu    sync.Mutex
	bound map[netip.AddrPort]string // configured address → actual ip:port
	// failListen, when set, makes Listen fail for the addresses it accepts.
	failListen func(netip.AddrPort) bool
	// dial, when set, replaces dialing.
	dial func(ctx context.Context, src netip.Addr, dst netip.AddrPort) (net.Conn, error)
}

func (n *testNet) Listen(a netip.AddrPort) (net.Listener, error) {
	if n.failListen != nil && n.failListen(a) {
		return nil, fmt.Errorf("listen %v: address not available (test)", a)
	}
	ln, err := net.Listen("tcp", netip.AddrPortFrom(a.Addr(), 0).String())
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.bound == nil {
		n.bound = make(map[netip.AddrPort]string)
	}
	n.bound[a] = ln.Addr().String()
	return ln, nil
}

func (n *testNet) Dial(ctx context.Context, src netip.Addr, dst netip.AddrPort) (net.Conn, error) {
	if n.dial != nil {
		return n.dial(ctx, src, dst)
	}
	var d net.Dialer
	if src.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: src.AsSlice()}
	}
	return d.DialContext(ctx, "tcp", dst.String())
}

// url is the base URL of the listener configured at addr:port.
func (n *testNet) url(t testing.TB, addr string, port uint16) string {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	a, ok := n.bound[netip.AddrPortFrom(netip.MustParseAddr(addr), port)]
	if !ok {
		t.Fatalf("nothing was bound for %s:%d", addr, port)
	}
	return "http://" + a
}

// newPlane returns a plane on a testNet (host dispatch too), closed when
// the test ends, after which no goroutine of the plane may remain.
func newPlane(t testing.TB, o Options) (*Plane, *testNet) {
	t.Helper()
	n, ok := o.Net.(*testNet)
	if !ok {
		n = &testNet{}
		o.Net = n
	}
	if o.HostListen == nil {
		o.HostListen = n.Listen
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p := New(o)
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		checkNoGoroutines(t)
	})
	return p, n
}

// checkNoGoroutines fails when a goroutine of the plane outlives Close.
func checkNoGoroutines(t testing.TB) {
	t.Helper()
	var stacks string
	for range 50 {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "lb.(*Plane).runChecks") &&
			!strings.Contains(stacks, "lb.(*Plane).start.func") &&
			!strings.Contains(stacks, "lb.(*Plane).stop.func") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("goroutines of the plane outlive Close:\n%s", stacks)
}

// backend is a target: an HTTP server on 127.0.0.1 that answers with its
// name, and with healthStatus on /health.
type backend struct {
	name         string
	addr         netip.AddrPort
	hits         atomic.Int64
	healthStatus atomic.Int32
	conns        atomic.Int64 // connections accepted
	open         atomic.Int64 // connections open now
	srv          *http.Server
}

// newBackend starts a backend; h, when given, answers every path but
// /health instead of the name.
func newBackend(t testing.TB, name string, h http.HandlerFunc) *backend {
	t.Helper()
	var b *backend
	b = rawBackend(t, name, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			w.WriteHeader(int(b.healthStatus.Load()))
			return
		}
		b.hits.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("X-Backend", name)
		_, _ = io.WriteString(w, name)
	}))
	return b
}

// rawBackend starts a backend that answers everything with h.
func rawBackend(t testing.TB, name string, h http.Handler) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{name: name, addr: netip.MustParseAddrPort(ln.Addr().String())}
	b.healthStatus.Store(http.StatusOK)
	b.srv = &http.Server{Handler: h, ConnState: func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			b.conns.Add(1)
			b.open.Add(1)
		case http.StateClosed, http.StateHijacked:
			b.open.Add(-1)
		}
	}}
	go func() { _ = b.srv.Serve(ln) }()
	t.Cleanup(func() { _ = b.srv.Close() })
	return b
}

// group is a target group of the backends, with health checks off.
func tgOf(arn string, bs ...*backend) TargetGroup {
	tg := TargetGroup{ARN: arn}
	for _, b := range bs {
		tg.Targets = append(tg.Targets, Target{Addr: b.addr})
	}
	return tg
}

// checked turns on fast health checks on /health.
func checked(tg TargetGroup) TargetGroup {
	tg.HealthCheck = HealthCheck{
		Enabled: true, Path: "/health",
		Interval: 100 * time.Millisecond, Timeout: 90 * time.Millisecond,
		HealthyThreshold: 3, UnhealthyThreshold: 2, Matcher: "200-299",
	}
	return tg
}

func forward(arns ...string) Action {
	a := Action{}
	for _, arn := range arns {
		a.Forward = append(a.Forward, WeightedGroup{ARN: arn, Weight: 1})
	}
	return a
}

// oneLB is a config with one load balancer on 127.0.0.1 whose listener on
// port 80 forwards to the first group.
func oneLB(tgs ...TargetGroup) Config {
	return Config{
		LoadBalancers: []LoadBalancer{{
			ARN: "arn:lb/one", DNSName: "one.elb.localhost",
			Addrs:     []netip.Addr{netip.MustParseAddr("127.0.0.1")},
			Listeners: []Listener{{ARN: "arn:listener/one/80", Port: 80, Default: forward(tgs[0].ARN)}},
		}},
		TargetGroups: tgs,
	}
}

func mustApply(t testing.TB, p *Plane, cfg Config) {
	t.Helper()
	if err := p.Apply(cfg); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

// response is what a test request got.
type response struct {
	status int
	header http.Header
	body   string
}

var testClient = &http.Client{
	Transport: &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true},
	Timeout:   10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// do sends a request, with the Host header host when not empty.
func do(t testing.TB, method, url, host string, hdr http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return response{resp.StatusCode, resp.Header, string(body)}
}

func get(t testing.TB, url string) response { return do(t, http.MethodGet, url, "", nil) }

// eventually polls cond until it holds or 5 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitState waits for the target's health state.
func waitState(t testing.TB, p *Plane, tg string, addr netip.AddrPort, state string) Health {
	t.Helper()
	var h Health
	eventually(t, fmt.Sprintf("%v in %s to be %s", addr, tg, state), func() bool {
		h, _ = p.TargetHealth(tg, addr)
		return h.State == state
	})
	return h
}

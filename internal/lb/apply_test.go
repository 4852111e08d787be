package lb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestApplyUnderLoad: clients hammer a listener while 50 configs with
// changing targets and rules are applied; no request fails.
func TestApplyUnderLoad(t *testing.T) {
	p, n := newPlane(t, Options{})
	var bs []*backend
	for i := range 5 {
		bs = append(bs, newBackend(t, fmt.Sprint("b", i), nil))
	}
	config := func(i int) Config {
		// b0 and a random subset of the others, b4 sometimes draining;
		// every other config also a rule to a health-checked group.
		tg := TargetGroup{ARN: "tg", DeregistrationDelay: time.Minute, Targets: []Target{{Addr: bs[0].addr}}}
		for j := 1; j < len(bs); j++ {
			if rand.IntN(2) == 0 {
				tg.Targets = append(tg.Targets, Target{Addr: bs[j].addr, Draining: j == 4 && i%3 == 0})
			}
		}
		cfg := oneLB(tg, checked(tgOf("other", bs[1], bs[2])))
		if i%2 == 1 {
			cfg.LoadBalancers[0].Listeners[0].Rules = []Rule{{ARN: "r", Priority: 1,
				Conditions: []Condition{{PathPatterns: []string{"/other*"}}}, Action: forward("other")}}
		}
		return cfg
	}
	mustApply(t, p, config(0))
	url := n.url(t, "127.0.0.1", 80)

	var (
		stop   atomic.Bool
		wg     sync.WaitGroup
		total  atomic.Int64
		mu     sync.Mutex
		failed []string
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 10 * time.Second}
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				path := "/"
				if (w+i)%2 == 0 {
					path = "/other"
				}
				resp, err := client.Get(url + path)
				var status int
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				total.Add(1)
				if err != nil || status != http.StatusOK {
					mu.Lock()
					failed = append(failed, fmt.Sprintf("%s: %v %d", path, err, status))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range 50 {
		mustApply(t, p, config(i))
		time.Sleep(4 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	client.CloseIdleConnections()
	if len(failed) > 0 {
		t.Fatalf("%d of %d requests failed during Applies, first: %s", len(failed), total.Load(), failed[0])
	}
	if total.Load() < 50 {
		t.Errorf("only %d requests made", total.Load())
	}
	t.Logf("%d requests, none lost", total.Load())
}

func TestApplyListeners(t *testing.T) {
	p, n := newPlane(t, Options{})
	b := newBackend(t, "a", nil)
	cfg := oneLB(tgOf("tg", b))
	mustApply(t, p, cfg)
	url80 := n.url(t, "127.0.0.1", 80)

	// A second listener opens; the first is kept (same socket).
	cfg.LoadBalancers[0].Listeners = append(cfg.LoadBalancers[0].Listeners,
		Listener{ARN: "l2", Port: 81, Default: forward("tg")})
	mustApply(t, p, cfg)
	if got := n.url(t, "127.0.0.1", 80); got != url80 {
		t.Errorf("listener on 80 reopened: %s, was %s", got, url80)
	}
	url81 := n.url(t, "127.0.0.1", 81)
	for _, u := range []string{url80, url81} {
		if r := get(t, u); r.status != 200 {
			t.Errorf("%s: %d", u, r.status)
		}
	}

	// The first goes, gracefully: a request in flight on it finishes.
	release := make(chan struct{})
	started := make(chan struct{})
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	cfg.TargetGroups = append(cfg.TargetGroups, tgOf("slow", slow))
	cfg.LoadBalancers[0].Listeners[0].Default = forward("slow")
	mustApply(t, p, cfg)
	inflight := make(chan response, 1)
	go func() { inflight <- get(t, url80) }()
	<-started
	cfg.LoadBalancers[0].Listeners = cfg.LoadBalancers[0].Listeners[1:]
	mustApply(t, p, cfg)
	eventually(t, "the listener on 80 to close", func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(url80, "http://"))
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	close(release)
	if r := <-inflight; r.status != 200 || r.body != "done" {
		t.Errorf("in-flight request on a closed listener: %d %q", r.status, r.body)
	}
	if r := get(t, url81); r.status != 200 {
		t.Errorf("kept listener: %d", r.status)
	}

	// Idempotent: the same config again changes nothing.
	mustApply(t, p, cfg)
	if got := n.url(t, "127.0.0.1", 81); got != url81 {
		t.Errorf("re-Apply reopened the listener")
	}
}

func TestApplyIsAtomic(t *testing.T) {
	p, n := newPlane(t, Options{})
	a := newBackend(t, "a", nil)
	good := oneLB(tgOf("tg", a))
	mustApply(t, p, good)
	url := n.url(t, "127.0.0.1", 80)

	bad := oneLB(tgOf("tg", a))
	bad.LoadBalancers[0].Listeners[0].Default = forward("missing")
	if err := p.Apply(bad); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("invalid config: %v", err)
	}

	// A load balancer address that cannot be bound fails the whole Apply.
	n.failListen = func(a netip.AddrPort) bool { return a.Addr() == netip.MustParseAddr("127.0.0.2") }
	other := newBackend(t, "other", nil)
	unbindable := oneLB(tgOf("tg", other))
	unbindable.LoadBalancers = append(unbindable.LoadBalancers, LoadBalancer{
		ARN: "arn:lb/two", Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.2")},
		Listeners: []Listener{{ARN: "l", Port: 80, Default: forward("tg")}},
	})
	if err := p.Apply(unbindable); err == nil || !strings.Contains(err.Error(), "arn:lb/two") {
		t.Errorf("unbindable address: %v", err)
	}
	if r := get(t, url); r.body != "a" {
		t.Errorf("after refused Applies the old config should serve, got %q", r.body)
	}
}

func TestHostDispatch(t *testing.T) {
	loopback := netip.MustParseAddr("127.0.0.1")
	p, n := newPlane(t, Options{HostAddrs: []netip.Addr{loopback}})
	a, b := newBackend(t, "a", nil), newBackend(t, "b", nil)
	lb := func(name, tg string) LoadBalancer {
		return LoadBalancer{ARN: "arn:lb/" + name, DNSName: name + ".elb.localhost",
			Listeners: []Listener{{ARN: "l-" + name, Port: 80, Default: forward(tg)}}}
	}
	cfg := Config{
		LoadBalancers: []LoadBalancer{lb("alpha", "a"), lb("beta", "b")},
		TargetGroups:  []TargetGroup{tgOf("a", a), tgOf("b", b)},
	}
	mustApply(t, p, cfg)
	url := n.url(t, "127.0.0.1", 80)

	tests := []struct {
		host   string
		status int
		body   string
	}{
		{"alpha.elb.localhost", 200, "a"},
		{"BETA.elb.localhost:80", 200, "b"},
		{"beta.elb.localhost.", 200, "b"},
		{"gamma.elb.localhost", 404, "alpha.elb.localhost, beta.elb.localhost"},
	}
	for _, tt := range tests {
		r := do(t, http.MethodGet, url, tt.host, nil)
		if r.status != tt.status || !strings.Contains(r.body, tt.body) {
			t.Errorf("Host %s: %d %q, want %d %q", tt.host, r.status, r.body, tt.status, tt.body)
		}
	}

	// With one load balancer on the port, any name reaches it.
	cfg.LoadBalancers = cfg.LoadBalancers[1:]
	mustApply(t, p, cfg)
	if r := do(t, http.MethodGet, url, "localhost", nil); r.body != "b" {
		t.Errorf("single load balancer: %d %q", r.status, r.body)
	}
}

// TestHostAddrFamilySkipped: a host address that cannot be bound (a host
// without IPv6, say) is logged and skipped; the others serve.
func TestHostAddrFamilySkipped(t *testing.T) {
	var logs bytes.Buffer
	var logMu sync.Mutex
	n := &testNet{failListen: func(a netip.AddrPort) bool { return a.Addr().Is6() }}
	p, _ := newPlane(t, Options{
		Net:       n,
		HostAddrs: []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
		Log:       slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, nil)),
	})
	cfg := oneLB(tgOf("tg", newBackend(t, "a", nil)))
	cfg.LoadBalancers[0].Addrs = nil
	mustApply(t, p, cfg)
	mustApply(t, p, cfg) // logged once only
	if r := do(t, http.MethodGet, n.url(t, "127.0.0.1", 80), "one.elb.localhost", nil); r.body != "a" {
		t.Errorf("IPv4 host address: %d %q", r.status, r.body)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if c := strings.Count(logs.String(), "cannot serve host dispatch address"); c != 1 {
		t.Errorf("the skipped address was logged %d times:\n%s", c, logs.String())
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func TestValidate(t *testing.T) {
	base := func() Config {
		return Config{
			LoadBalancers: []LoadBalancer{{ARN: "lb", Listeners: []Listener{{ARN: "l", Port: 80, Default: forward("tg")}}}},
			TargetGroups:  []TargetGroup{{ARN: "tg", Port: 8080}},
		}
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string // in the error; "" for valid
	}{
		{"valid", func(*Config) {}, ""},
		{"port 0", func(c *Config) { c.LoadBalancers[0].Listeners[0].Port = 0 }, "port 0"},
		{"duplicate port", func(c *Config) {
			c.LoadBalancers[0].Listeners = append(c.LoadBalancers[0].Listeners, Listener{ARN: "l2", Port: 80, Default: forward("tg")})
		}, "port 80 is used by another listener"},
		{"no action", func(c *Config) { c.LoadBalancers[0].Listeners[0].Default = Action{} }, "exactly one of"},
		{"two actions", func(c *Config) {
			c.LoadBalancers[0].Listeners[0].Default.Fixed = &FixedResponse{StatusCode: 200}
		}, "exactly one of"},
		{"unknown group", func(c *Config) { c.LoadBalancers[0].Listeners[0].Default = forward("nope") }, `"nope"`},
		{"weight", func(c *Config) { c.LoadBalancers[0].Listeners[0].Default.Forward[0].Weight = 1000 }, "weight 1000"},
		{"fixed status", func(c *Config) {
			c.LoadBalancers[0].Listeners[0].Default = Action{Fixed: &FixedResponse{StatusCode: 302}}
		}, "not 2XX, 4XX or 5XX"},
		{"redirect status", func(c *Config) {
			c.LoadBalancers[0].Listeners[0].Default = Action{Redirect: &Redirect{StatusCode: 307}}
		}, "not 301 or 302"},
		{"duplicate priority", func(c *Config) {
			r := Rule{ARN: "r", Priority: 3, Action: forward("tg")}
			c.LoadBalancers[0].Listeners[0].Rules = []Rule{r, r}
		}, "priority 3"},
		{"duplicate lb", func(c *Config) { c.LoadBalancers = append(c.LoadBalancers, c.LoadBalancers[0]) }, "appears twice"},
		{"target without port", func(c *Config) {
			c.TargetGroups[0].Port = 0
			c.TargetGroups[0].Targets = []Target{{Addr: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), 0)}}
		}, "needs an address and a port"},
		{"duplicate target", func(c *Config) {
			a := netip.MustParseAddrPort("10.0.0.1:8080")
			c.TargetGroups[0].Targets = []Target{{Addr: a}, {Addr: netip.AddrPortFrom(a.Addr(), 0)}}
		}, "registered twice"},
		{"timeout over interval", func(c *Config) {
			c.TargetGroups[0].HealthCheck = HealthCheck{Enabled: true, Interval: time.Second, Timeout: 2 * time.Second}
		}, "less than the interval"},
		{"matcher", func(c *Config) {
			c.TargetGroups[0].HealthCheck = HealthCheck{Enabled: true, Matcher: "ok"}
		}, "matcher"},
		{"defaults fill a disabled check", func(c *Config) { c.TargetGroups[0].HealthCheck = HealthCheck{Matcher: "ok"} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base()
			tt.mutate(&cfg)
			err := cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (!errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestApplyAfterClose(t *testing.T) {
	p, _ := newPlane(t, Options{})
	_ = p.Close()
	if err := p.Apply(Config{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Apply after Close: %v", err)
	}
}

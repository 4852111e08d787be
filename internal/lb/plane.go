package lb

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http/httputil"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Net is how the plane reaches the network. In berth, load balancer
// addresses live inside a network namespace, and the caller implements Net
// there; tests use the host's loopback.
type Net interface {
	// Listen opens a TCP listener at addr.
	Listen(addr netip.AddrPort) (net.Listener, error)
	// Dial connects from src (the load balancer's own address; the zero
	// Addr means any) to dst. It honours ctx's deadline.
	Dial(ctx context.Context, src netip.Addr, dst netip.AddrPort) (net.Conn, error)
}

// Options configure a Plane.
type Options struct {
	// Net listens on load balancer addresses and dials targets. Required.
	Net Net
	// Log receives the plane's events (listeners opened and closed, target
	// health changes); default slog.Default().
	Log *slog.Logger
	// HostAddrs are host addresses (such as 127.0.0.1 and ::1) on which
	// every listener port is also served, routing by the Host header to
	// the load balancer of that DNSName (host dispatch). An address that
	// cannot be bound is logged and skipped (and tried again next Apply).
	HostAddrs []netip.Addr
	// HostListen opens the host dispatch listeners; default net.Listen on
	// the host.
	HostListen func(addr netip.AddrPort) (net.Listener, error)
	// ConnectTimeout bounds a connection to a target; default 10 s (ALB's).
	// A connection not made in time answers 504.
	ConnectTimeout time.Duration
	// Now is the clock for trace ids; default time.Now.
	Now func() time.Time
}

// ErrClosed is returned by Apply after Close.
var ErrClosed = errors.New("load balancer data plane is closed")

// Plane serves the listeners of every load balancer of the last Config
// applied. It is safe for concurrent use.
type Plane struct {
	net        Net
	hostListen func(netip.AddrPort) (net.Listener, error)
	hostAddrs  []netip.Addr
	log        *slog.Logger
	connect    time.Duration
	now        func() time.Time
	proxy      *httputil.ReverseProxy

	snap atomic.Pointer[snapshot] // what requests read

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // servers and checkers

	applyMu    sync.Mutex // serializes Apply and Close
	closed     bool
	servers    map[netip.AddrPort]*server
	hostFailed map[netip.AddrPort]bool // host dispatch addresses that did not bind

	mu     sync.RWMutex      // guards groups for TargetHealth
	groups map[string]*group // by ARN
}

// New returns a Plane serving nothing until Apply.
func New(o Options) *Plane {
	p := &Plane{
		net:        o.Net,
		hostListen: o.HostListen,
		hostAddrs:  o.HostAddrs,
		log:        o.Log,
		connect:    o.ConnectTimeout,
		now:        o.Now,
		servers:    make(map[netip.AddrPort]*server),
		hostFailed: make(map[netip.AddrPort]bool),
		groups:     make(map[string]*group),
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.hostListen == nil {
		p.hostListen = func(a netip.AddrPort) (net.Listener, error) { return net.Listen("tcp", a.String()) }
	}
	if p.connect <= 0 {
		p.connect = DefaultConnectTimeout
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.proxy = p.newProxy()
	p.snap.Store(&snapshot{})
	return p
}

// TargetHealth is the health of the target at addr in the target group, as
// DescribeTargetHealth shows it; false when the last Config applied has no
// such group or target. A target whose Addr had port 0 is found under the
// group's port.
func (p *Plane) TargetHealth(targetGroupARN string, addr netip.AddrPort) (Health, bool) {
	p.mu.RLock()
	g := p.groups[targetGroupARN]
	p.mu.RUnlock()
	if g == nil {
		return Health{}, false
	}
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.targets[addr]
	if t == nil && addr.Port() == 0 {
		t = g.targets[netip.AddrPortFrom(addr.Addr(), g.port)]
	}
	if t == nil {
		return Health{}, false
	}
	return g.health(t), true
}

// Close stops every listener at once (requests in flight are cut), every
// health check and every connection to targets, and waits for the plane's
// goroutines. Safe to call twice.
func (p *Plane) Close() error {
	p.applyMu.Lock()
	defer p.applyMu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.cancel()
	var errs []error
	for _, s := range p.servers {
		if err := s.srv.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	p.servers = nil
	p.mu.Lock()
	for _, g := range p.groups {
		g.mu.Lock()
		for _, t := range g.targets {
			t.stopChecks = nil // cancelled with p.ctx
			t.close()
		}
		g.mu.Unlock()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return errors.Join(errs...)
}

// dialTarget connects to a target for proxying, within the connect timeout;
// running out of time is a *dialError with timeout set (a 504).
func (p *Plane) dialTarget(ctx context.Context, src netip.Addr, dst netip.AddrPort) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, p.connect)
	defer cancel()
	c, err := p.net.Dial(dctx, src, dst)
	if err != nil {
		return nil, &dialError{
			err:     err,
			timeout: ctx.Err() == nil && (errors.Is(dctx.Err(), context.DeadlineExceeded) || isTimeout(dctx, err)),
		}
	}
	return c, nil
}

// dialError is a failed connection to a target.
type dialError struct {
	err     error
	timeout bool
}

func (e *dialError) Error() string { return "connect to target: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

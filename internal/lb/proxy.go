package lb

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// exchange is one request on its way to a target; the proxy's hooks find
// it in the request's context.
type exchange struct {
	t        *target
	l        *listener
	client   netip.Addr
	timer    *time.Timer // the idle timeout, until the target's headers come
	timedOut atomic.Bool // the idle timeout cut the request
	cut      atomic.Bool // the deregistration delay cut the request
}

type exchangeKey struct{}

// forward proxies r to a target of one of a's groups.
func (p *Plane) forward(w http.ResponseWriter, r *http.Request, l *listener, a *action, client netip.Addr) {
	g := a.pickGroup()
	if g == nil {
		writeError(w, http.StatusServiceUnavailable)
		return
	}
	t := g.pick()
	if t == nil {
		writeError(w, http.StatusServiceUnavailable) // no registered targets
		return
	}
	t.inflight.Add(1)
	defer t.done()

	ex := &exchange{t: t, l: l, client: client}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(t.life, func() {
		ex.cut.Store(true)
		cancel()
	})
	defer stop()
	ex.timer = time.AfterFunc(l.lb.idle, func() {
		ex.timedOut.Store(true)
		cancel()
	})
	defer ex.timer.Stop()
	p.proxy.ServeHTTP(w, r.WithContext(context.WithValue(ctx, exchangeKey{}, ex)))
}

// newProxy is the reverse proxy every listener shares; the exchange in a
// request's context says where it goes.
func (p *Plane) newProxy() *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite:      p.rewrite,
		Transport:    roundTripper(p.roundTrip),
		ErrorHandler: p.proxyError,
		BufferPool:   &bufferPool{},
		ErrorLog:     slog.NewLogLogger(p.log.Handler(), slog.LevelDebug),
	}
}

// rewrite aims the outgoing request at the exchange's target and adds
// ALB's headers. The Host header is the client's.
func (p *Plane) rewrite(pr *httputil.ProxyRequest) {
	ex := pr.In.Context().Value(exchangeKey{}).(*exchange)
	out := pr.Out
	out.URL.Scheme = "http"
	out.URL.Host = ex.t.host
	out.Host = pr.In.Host
	xff := ex.client.String()
	if prior := pr.In.Header.Values("X-Forwarded-For"); len(prior) > 0 {
		xff = strings.Join(prior, ", ") + ", " + xff
	}
	h := out.Header
	h["X-Forwarded-For"] = []string{xff}
	h["X-Forwarded-Proto"] = []string{"http"}
	h["X-Forwarded-Port"] = []string{ex.l.portStr}
	h["X-Amzn-Trace-Id"] = []string{traceHeader(pr.In.Header.Get("X-Amzn-Trace-Id"), p.now())}
}

// roundTrip sends req through its target's pool for the load balancer's
// source address; once the target's headers arrive, the idle timeout no
// longer applies.
func (p *Plane) roundTrip(req *http.Request) (*http.Response, error) {
	ex := req.Context().Value(exchangeKey{}).(*exchange)
	resp, err := ex.t.transport(p, ex.l.lb.source).RoundTrip(req)
	ex.timer.Stop()
	return resp, err
}

// proxyError answers a request whose target failed, as ALB does: 504 when
// the connection or the answer did not come in time, 502 otherwise
// (refused, reset, malformed, or cut by the deregistration delay).
func (p *Plane) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	ex := r.Context().Value(exchangeKey{}).(*exchange)
	var de *dialError
	status := http.StatusBadGateway
	switch {
	case ex.timedOut.Load(), errors.As(err, &de) && de.timeout:
		status = http.StatusGatewayTimeout
	case ex.cut.Load():
	case r.Context().Err() != nil:
		return // the client went away; nobody reads an answer
	}
	p.log.Debug("target failed", "load_balancer", ex.l.lb.arn, "target", ex.t.host, "status", status, "err", err)
	writeError(w, status)
}

// roundTripper adapts a function to http.RoundTripper.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// bufferPool recycles the proxy's copy buffers.
type bufferPool struct{ pool sync.Pool }

const copyBufferSize = 32 << 10

func (b *bufferPool) Get() []byte {
	if v, ok := b.pool.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, copyBufferSize)
}

func (b *bufferPool) Put(buf []byte) {
	if cap(buf) == copyBufferSize {
		b.pool.Put(&buf)
	}
}

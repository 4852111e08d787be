package tmds

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Handler serves the task metadata and credentials endpoint. Make one
// with NewHandler; it is safe for concurrent use.
type Handler struct {
	src   Source
	log   *slog.Logger
	limit *limiter // nil: no rate limit
	stats *sampler
	now   func() time.Time
	drift func(now time.Time) *ClockDrift
}

// Option configures a Handler.
type Option func(*options)

type options struct {
	log      *slog.Logger
	rate     float64
	burst    int
	interval time.Duration
}

// WithLogger sets where the handler logs refused and failed requests.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithRateLimit sets the per-caller limit: rps requests a second steady,
// in bursts of up to burst; rps 0 turns the limit off. The default is
// DefaultRateLimit and DefaultRateBurst.
func WithRateLimit(rps float64, burst int) Option {
	return func(o *options) { o.rate, o.burst = rps, burst }
}

// WithStatsInterval sets how often Run samples stats, and the age past
// which a request samples again (default DefaultStatsInterval).
func WithStatsInterval(d time.Duration) Option { return func(o *options) { o.interval = d } }

// NewHandler returns the endpoint's handler, finding tasks through src.
func NewHandler(src Source, opts ...Option) *Handler {
	o := options{log: slog.New(slog.DiscardHandler), rate: DefaultRateLimit, burst: DefaultRateBurst, interval: DefaultStatsInterval}
	for _, opt := range opts {
		opt(&o)
	}
	if o.interval <= 0 {
		o.interval = DefaultStatsInterval
	}
	h := &Handler{src: src, log: o.log, stats: newSampler(src, o.interval, o.log), now: time.Now, drift: hostClockDrift}
	if o.rate > 0 {
		h.limit = newLimiter(o.rate, max(o.burst, 1))
	}
	return h
}

// Run samples the stats of every container of src.Tasks() each stats
// interval until ctx ends, so that precpu_stats and network rates cover
// an interval even for a client that asks once. Without Run, requests
// sample on their own.
func (h *Handler) Run(ctx context.Context) { h.stats.run(ctx) }

// ServeHTTP answers one request: GET or HEAD only, within the caller's
// rate limit.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	caller := callerAddr(r)
	if h.limit != nil && !h.limit.allow(caller, h.now()) {
		h.log.Debug("task metadata: rate limited", "caller", caller)
		writeError(w, r, http.StatusTooManyRequests, "Rate exceeded: at most "+strconv.FormatFloat(h.limit.rate, 'f', -1, 64)+
			" requests per second (bursts of "+strconv.FormatFloat(h.limit.burst, 'f', -1, 64)+") per task; retry later")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, http.StatusMethodNotAllowed, "Method "+r.Method+" not allowed: the task metadata endpoint serves GET and HEAD")
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case parts[0] == "v1" && len(parts) == 2 && parts[1] == "credentials":
		h.credentials(w, r, caller, r.URL.Query().Get("id"), 1)
	case parts[0] == "v2" && len(parts) >= 2:
		h.v2(w, r, caller, parts[1], strings.Join(parts[2:], "/"))
	case (parts[0] == "v3" || parts[0] == "v4") && len(parts) >= 2:
		v := v3
		if parts[0] == "v4" {
			v = v4
		}
		h.v3v4(w, r, caller, v, parts[1], strings.Join(parts[2:], "/"))
	default:
		writeError(w, r, http.StatusNotFound, "404 page not found")
	}
}

// callerAddr is the request's source address; the zero Addr when it has
// none (not a TCP peer).
func callerAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// callerTask is the task of the caller's address.
func (h *Handler) callerTask(caller netip.Addr) (*Task, bool) {
	if !caller.IsValid() {
		return nil, false
	}
	return h.src.TaskByAddr(caller)
}

// writeJSON answers status with v as JSON (no body for HEAD).
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal("Unable to marshal the response: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// writeError answers status with msg as a JSON string, as the ECS agent
// words its errors.
func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, r, status, msg)
}

package lb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"time"
)

// maxFirstDelay bounds the random delay before a target's first check: many
// targets registered at once are checked spread over up to this long (or
// their interval, if shorter), not all in the same instant.
const maxFirstDelay = time.Second

// checkParams is what one target's checker checks; Apply replaces it when
// the group's health check settings or source change.
type checkParams struct {
	hc      HealthCheck // with defaults
	match   matcher
	src     netip.Addr
	dst     netip.AddrPort // the target's address, on the health check port
	request []byte         // the whole HTTP request
}

func newCheckParams(hc HealthCheck, src netip.Addr, t netip.AddrPort) *checkParams {
	m, _ := parseMatcher(hc.Matcher) // validated by Apply
	port := hc.Port
	if port == 0 {
		port = t.Port()
	}
	dst := netip.AddrPortFrom(t.Addr(), port)
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ELB-HealthChecker/2.0\r\nConnection: close\r\n\r\n",
		hc.Path, dst)
	return &checkParams{hc: hc, match: m, src: src, dst: dst, request: []byte(req)}
}

// startChecks runs t's checker until stopChecks is called or the plane
// closes. The caller holds applyMu and has stored t.checks.
func (p *Plane) startChecks(g *group, t *target) {
	ctx, cancel := context.WithCancel(p.ctx)
	t.stopChecks = cancel
	p.wg.Add(1)
	go p.runChecks(ctx, g, t)
}

// stopChecks stops t's checker, if it runs, and forgets its health. The
// caller holds applyMu.
func stopChecks(t *target) {
	if t.stopChecks == nil {
		return
	}
	t.stopChecks()
	t.stopChecks = nil
	t.setHealth(healthRegistering)
}

// runChecks is the checker of one target: a check every interval (measured
// from the start of the previous one, as ALB does), the first after a random
// delay.
func (p *Plane) runChecks(ctx context.Context, g *group, t *target) {
	defer p.wg.Done()
	first := min(t.checks.Load().hc.Interval, maxFirstDelay)
	timer := time.NewTimer(rand.N(first) + 1)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		start := time.Now()
		cp := t.checks.Load()
		res := p.check(ctx, cp)
		if !p.record(ctx, g, t, cp, res) {
			return
		}
		timer.Reset(cp.hc.Interval - time.Since(start))
	}
}

// record moves t's health along with res and refreshes the group when the
// state changed. It reports false when the checker was stopped meanwhile
// (and then records nothing, so a stale result cannot overwrite the state
// Apply set).
func (p *Plane) record(ctx context.Context, g *group, t *target, cp *checkParams, res checkResult) bool {
	t.mu.Lock()
	if ctx.Err() != nil {
		t.mu.Unlock()
		return false
	}
	before := t.health.Health
	t.health = next(t.health, res, cp.hc)
	after := t.health.Health
	t.mu.Unlock()
	if before.State != after.State {
		p.log.Info("target health changed", "target_group", g.arn, "target", t.addr.String(),
			"from", before.State, "to", after.State, "reason", after.Reason, "description", after.Description)
		g.refresh()
	}
	return true
}

// check runs one health check: a GET on a connection of its own from the
// load balancer's source address, answered within the timeout with a code
// the matcher accepts.
func (p *Plane) check(ctx context.Context, cp *checkParams) checkResult {
	ctx, cancel := context.WithTimeout(ctx, cp.hc.Timeout)
	defer cancel()
	conn, err := p.net.Dial(ctx, cp.src, cp.dst)
	if err != nil {
		return checkResult{timeout: isTimeout(ctx, err)}
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(cp.request); err != nil {
		return checkResult{timeout: isTimeout(ctx, err)}
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 4096), nil)
	if err != nil {
		return checkResult{timeout: isTimeout(ctx, err)}
	}
	_ = resp.Body.Close()
	return checkResult{ok: cp.match.match(resp.StatusCode), status: resp.StatusCode}
}

// isTimeout reports whether err means the check ran out of time.
func isTimeout(ctx context.Context, err error) bool {
	var ne net.Error
	return errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.As(err, &ne) && ne.Timeout()
}

package tmds

import (
	"net/http"
	"net/netip"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	e := newTestEnv(t)
	path := "/v4/" + EndpointID(taskIDA, "app")
	for i := range DefaultRateBurst {
		if w := e.get(addrA, path); w.Code != http.StatusOK {
			t.Fatalf("request %d of a burst: %d %s", i+1, w.Code, w.Body)
		}
	}
	w := e.get(addrA, path)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("past the burst: %d %s", w.Code, w.Body)
	}
	if w := e.get(addrB, "/v4/"+EndpointID(taskIDB, "app")); w.Code != http.StatusOK {
		t.Errorf("another caller: %d, want its own bucket", w.Code)
	}
	e.clock.add(500 * time.Millisecond) // 20 tokens back
	for i := range 20 {
		if w := e.get(addrA, path); w.Code != http.StatusOK {
			t.Fatalf("request %d after 0.5 s: %d", i+1, w.Code)
		}
	}
	if w := e.get(addrA, path); w.Code != http.StatusTooManyRequests {
		t.Errorf("request 21 after 0.5 s: %d, want 429", w.Code)
	}
}

func TestRateLimitOff(t *testing.T) {
	e := newTestEnv(t, WithRateLimit(0, 0))
	for range 200 {
		if w := e.get(addrA, "/v2/metadata"); w.Code != http.StatusOK {
			t.Fatalf("%d with the limit off", w.Code)
		}
	}
}

func TestLimiterSweep(t *testing.T) {
	l := newLimiter(40, 60)
	now := time.Now()
	for i := range 100 {
		l.allow(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), now)
	}
	l.allow(netip.MustParseAddr("10.0.1.1"), now.Add(2*time.Minute)) // sweeps
	if len(l.buckets) != 1 {
		t.Errorf("%d buckets after a sweep, want the one new caller's", len(l.buckets))
	}
}

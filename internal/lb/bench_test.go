package lb

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// benchSetup starts a target answering "ok" and a plane forwarding to it;
// it returns the direct and the load-balanced URLs.
func benchSetup(b *testing.B) (direct, viaLB string) {
	b.Helper()
	be := rawBackend(b, "ok", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	p, n := newPlane(b, Options{})
	mustApply(b, p, oneLB(tgOf("tg", be)))
	return "http://" + be.addr.String() + "/", n.url(b, "127.0.0.1", 80) + "/"
}

func fetch(b *testing.B, c *http.Client, url string) {
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkAddedLatency measures what the proxy adds to a request:
// sequential keep-alive requests, alternately straight to the target and
// through the load balancer, with p50 and p99 of each and their difference.
func BenchmarkAddedLatency(b *testing.B) {
	direct, viaLB := benchSetup(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer c.CloseIdleConnections()
	for range 100 { // warm up both paths' connections
		fetch(b, c, direct)
		fetch(b, c, viaLB)
	}
	var d, v []time.Duration
	for b.Loop() {
		t0 := time.Now()
		fetch(b, c, direct)
		t1 := time.Now()
		fetch(b, c, viaLB)
		t2 := time.Now()
		d = append(d, t1.Sub(t0))
		v = append(v, t2.Sub(t1))
	}
	us := func(x time.Duration) float64 { return float64(x) / float64(time.Microsecond) }
	dp50, dp99 := percentile(d, 50), percentile(d, 99)
	vp50, vp99 := percentile(v, 50), percentile(v, 99)
	b.ReportMetric(us(dp50), "p50-direct-µs")
	b.ReportMetric(us(dp99), "p99-direct-µs")
	b.ReportMetric(us(vp50), "p50-lb-µs")
	b.ReportMetric(us(vp99), "p99-lb-µs")
	b.ReportMetric(us(vp50-dp50), "p50-added-µs")
	b.ReportMetric(us(vp99-dp99), "p99-added-µs")
}

// BenchmarkThroughput measures requests per second through the load
// balancer with several clients in parallel (keep-alive).
func BenchmarkThroughput(b *testing.B) {
	_, viaLB := benchSetup(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer c.CloseIdleConnections()
	fetch(b, c, viaLB)
	b.SetParallelism(4)
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			fetch(b, c, viaLB)
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// percentile is the p-th percentile of ds (which it sorts).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[(len(ds)-1)*p/100]
}

package router

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestDialTCP: connections made with DialTCP leave from the router's
// endpoint address and reach a task on a bridge; many in a row, each
// within a short deadline (a connect that completes before its wait begins
// must not be missed); a refused one fails at once, and a canceled one with
// the context's error.
func TestDialTCP(t *testing.T) {
	needRoot(t)
	vpc := freeCIDR(t)
	s1 := subnetOf(t, vpc, 0)
	src := endpoints[0]
	r := ensure(t, testConfig(t, []netip.Prefix{vpc}, endpoints))
	if err := r.Bridges().EnsureSubnet(context.Background(), s1); err != nil {
		t.Fatal(err)
	}
	task := newTask(t, r, s1, 10)
	task.serve(t, "task", 8080)
	dst := netip.AddrPortFrom(task.ip, 8080)
	for i := range 200 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := r.DialTCP(ctx, src, dst)
		cancel()
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		got, err := greeting(c)
		c.Close()
		if want := "task " + src.String(); err != nil || got != want {
			t.Fatalf("dial %d: greeting %q, %v; want %q", i, got, err, want)
		}
	}
	start := time.Now()
	if _, err := r.DialTCP(context.Background(), src, netip.AddrPortFrom(task.ip, 9)); err == nil || time.Since(start) > time.Second {
		t.Fatalf("refused port: %v after %s", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.DialTCP(ctx, src, dst); err == nil {
		t.Fatalf("canceled dial succeeded")
	}
	if _, err := r.DialTCP(context.Background(), netip.MustParseAddr("::1"), dst); err == nil {
		t.Fatal(fmt.Errorf("IPv6 source accepted"))
	}
}

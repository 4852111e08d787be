package router

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/network/bridge"
	"github.com/berth-dev/berth/internal/network/namespace"
	"github.com/berth-dev/berth/internal/network/nlink"
)

// Names made by these tests: router namespaces "brtvpc-<hex>", uplinks
// "brt<hex>", task namespaces "brtest-<hex>", all random per run.
const (
	testRouterPrefix = "brtvpc-"
	testTaskPrefix   = "brtest-"
)

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

func randHex(t testing.TB, n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)[:n]
}

// freeCIDR picks a random /20 in 10.216.0.0/13 that no route of the host's
// main table overlaps.
func freeCIDR(t testing.TB) netip.Prefix {
	t.Helper()
	routes, err := netlink.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Fatal(err)
	}
next:
	for range 100 {
		var b [2]byte
		if _, err := rand.Read(b[:]); err != nil {
			t.Fatal(err)
		}
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 216 + b[0]%8, b[1] & 0xf0, 0}), 20)
		for _, r := range routes {
			if dst, ok := nlink.Prefix(r.Dst); ok && dst.Bits() > 0 && dst.Overlaps(p) {
				continue next
			}
		}
		return p
	}
	t.Fatal("no free /20 in 10.216.0.0/13")
	return netip.Prefix{}
}

// subnetOf is the i-th /24 of a VPC CIDR, as a bridge.Subnet.
func subnetOf(t testing.TB, vpc netip.Prefix, i byte) bridge.Subnet {
	a := vpc.Addr().As4()
	a[2] += i
	p := netip.PrefixFrom(netip.AddrFrom4(a), 24)
	return bridge.Subnet{Name: "brb" + randHex(t, 8), CIDR: p, Gateway: bridge.GatewayFor(p)}
}

// testConfig is a router with random names. Its removal is registered, and
// before that (so that it runs after) a check that nothing of it is left on
// the host: no pin, no uplink, no host route to its CIDRs.
func testConfig(t testing.TB, cidrs []netip.Prefix, endpoints []netip.Addr) Config {
	cfg := Config{
		Name:      testRouterPrefix + randHex(t, 12),
		Uplink:    "brt" + randHex(t, 10),
		CIDRs:     cidrs,
		Endpoints: endpoints,
	}
	if len(endpoints) > 0 {
		cfg.Services = services
	}
	t.Cleanup(func() { checkGone(t, cfg) })
	t.Cleanup(func() {
		if err := Remove(context.Background(), cfg.Name, cfg.Uplink); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return cfg
}

func checkGone(t testing.TB, cfg Config) {
	t.Helper()
	if _, err := os.Lstat(Path(cfg.Name)); !os.IsNotExist(err) {
		t.Errorf("namespace pin %s left behind (%v)", Path(cfg.Name), err)
	}
	if _, err := netlink.LinkByName(cfg.Uplink); !nlink.NotFound(err) {
		t.Errorf("host link %s left behind (%v)", cfg.Uplink, err)
	}
	routes, err := netlink.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Error(err)
	}
	for _, r := range routes {
		for _, c := range cfg.CIDRs {
			if dst, _ := nlink.Prefix(r.Dst); dst == c {
				t.Errorf("host route %v left behind: %v", c, r)
			}
		}
	}
}

func ensure(t testing.TB, cfg Config) *Router {
	t.Helper()
	r, err := Ensure(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// task is a namespace standing in for a task, attached to a subnet.
type task struct {
	name, path string
	ip         netip.Addr
}

// newTask makes a task namespace and attaches it to s in r at the host
// number n of the subnet.
func newTask(t testing.TB, r *Router, s bridge.Subnet, n byte) task {
	t.Helper()
	name := testTaskPrefix + randHex(t, 12)
	path := Path(name)
	t.Cleanup(func() {
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("task namespace %s left behind (%v)", path, err)
		}
	})
	if err := namespace.Create(path, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := namespace.Unpin(path); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	a := s.CIDR.Addr().As4()
	a[3] = n
	e := bridge.ENI{
		ID:        "eni-" + randHex(t, 17),
		HostName:  "brv" + randHex(t, 10),
		NetnsPath: path,
		Address:   netip.AddrFrom4(a),
		Subnet:    s,
	}
	if err := r.Bridges().Attach(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return task{name: name, path: path, ip: e.Address}
}

// in runs fn on a locked thread inside the task's namespace.
func (k task) in(t testing.TB, fn func() error) error {
	t.Helper()
	fd, err := unix.Open(k.path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	return namespace.Do(fd, fn)
}

// serve makes the task answer TCP connections on port with a greeting
// "<id> <peer address>\n", then echo lines.
func (k task) serve(t testing.TB, id string, port int) {
	t.Helper()
	var l net.Listener
	if err := k.in(t, func() (err error) {
		l, err = net.Listen("tcp4", fmt.Sprintf(":%d", port))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	serveGreeting(t, l, id)
}

func serveGreeting(t testing.TB, l net.Listener, id string) {
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				peer := c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()
				if _, err := fmt.Fprintf(c, "%s %s\n", id, peer); err != nil {
					return
				}
				_, _ = io.Copy(c, c)
			}()
		}
	}()
}

// dial connects from inside the task (the socket is made on a thread in
// its namespace; it is used from anywhere afterwards).
func (k task) dial(t testing.TB, network, addr string, timeout time.Duration) (net.Conn, error) {
	t.Helper()
	var c net.Conn
	err := k.in(t, func() (err error) {
		d := net.Dialer{Timeout: timeout}
		c, err = d.Dial(network, addr)
		return err
	})
	return c, err
}

// greeting reads the server's first line.
func greeting(c net.Conn) (string, error) {
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

// mustGreet connects from the task to addr and checks the greeting.
func (k task) mustGreet(t testing.TB, addr, want string) {
	t.Helper()
	c, err := k.dial(t, "tcp4", addr, 3*time.Second)
	if err != nil {
		t.Fatalf("%s (%v) → %s: %v", k.name, k.ip, addr, err)
	}
	defer c.Close()
	got, err := greeting(c)
	if err != nil || got != want {
		t.Fatalf("%s (%v) → %s: greeting %q, %v; want %q", k.name, k.ip, addr, got, err, want)
	}
}

// mustNotConnect checks that a TCP connection from the task to addr fails.
func (k task) mustNotConnect(t testing.TB, addr string) {
	t.Helper()
	c, err := k.dial(t, "tcp4", addr, 300*time.Millisecond)
	if err == nil {
		c.Close()
		t.Fatalf("%s (%v) → %s: connected, want no connection", k.name, k.ip, addr)
	}
}

// hostRoutesVia checks, before the host sends anything to ip, that the
// host routes it through uplink to the router (not the default route).
func hostRoutesVia(t testing.TB, ip netip.Addr, uplink string) {
	t.Helper()
	link, err := netlink.LinkByName(uplink)
	if err != nil {
		t.Fatal(err)
	}
	routes, err := netlink.RouteGet(net.IP(ip.AsSlice()))
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) != 1 || routes[0].LinkIndex != link.Attrs().Index || !routes[0].Gw.Equal(net.IP(RouterLinkAddr.AsSlice())) {
		t.Fatalf("refusing to send traffic: the host routes %v as %v, not via %v dev %s", ip, routes, RouterLinkAddr, uplink)
	}
}

// noAccept checks that nothing connected to l.
func noAccept(t testing.TB, l net.Listener) {
	t.Helper()
	_ = l.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Millisecond))
	c, err := l.Accept()
	if err == nil {
		c.Close()
		t.Fatalf("%v accepted a connection from %v", l.Addr(), c.RemoteAddr())
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal(err)
	}
}

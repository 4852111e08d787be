package tasknet

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/agent/netns"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/network/namespace"
	"github.com/berth-dev/berth/internal/network/router"
)

// TestSetupRemove wires two tasks of one VPC, checks what a task is given,
// and that the router goes with the last task; Prune removes a router no
// task uses.
func TestSetupRemove(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ctx := context.Background()
	m := &Manager{NodeID: "test-" + randHex(4), Dir: t.TempDir(), Policy: policy{}}
	a, b := spec(1), spec(2)
	t.Cleanup(func() {
		_ = m.Remove(ctx, a.TaskID)
		_ = m.Remove(ctx, b.TaskID)
		m.Close()
	})
	tn, err := m.Setup(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Setup(ctx, a); err != nil { // idempotent
		t.Fatalf("second Setup: %v", err)
	}
	if tn.NetnsPath != netns.Path(a.TaskID) || tn.Hostname != a.ENI.PrivateDNSName {
		t.Fatalf("task network %+v", tn)
	}
	out, err := exec.Command("ip", "-n", netns.Name(a.TaskID), "-4", "-o", "addr", "show", "eth0").Output()
	if err != nil || !strings.Contains(string(out), a.ENI.PrivateIPv4+"/16") {
		t.Fatalf("eth0: %s %v", out, err)
	}
	for file, want := range map[string]string{tn.ResolvConf: "nameserver 169.254.169.253", tn.Hosts: a.ENI.PrivateIPv4 + "\t" + a.ENI.PrivateDNSName} {
		if data, _ := os.ReadFile(file); !strings.Contains(string(data), want) {
			t.Errorf("%s: %q lacks %q", file, data, want)
		}
	}
	if _, err := m.Setup(ctx, b); err != nil {
		t.Fatal(err)
	}
	name, uplink := m.routerNames(a)
	// Whatever happens below, the router goes (Prune's case below makes it
	// behind the manager's back).
	t.Cleanup(func() { _ = router.Remove(context.Background(), name, uplink) })
	if err := m.Remove(ctx, a.TaskID); err != nil {
		t.Fatal(err)
	}
	if !routerThere(name) {
		t.Fatal("the router went while a task still used it")
	}
	if err := m.Remove(ctx, b.TaskID); err != nil {
		t.Fatal(err)
	}
	if routerThere(name) {
		t.Fatal("the router outlived its last task")
	}
	if err := m.Remove(ctx, b.TaskID); err != nil {
		t.Fatalf("second Remove: %v", err)
	}

	// A router whose tasks went while the agent was down is pruned.
	c := spec(3)
	if _, err := m.Setup(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(m.Dir, c.TaskID)); err != nil {
		t.Fatal(err)
	}
	_ = netns.Isolated{}.Teardown(ctx, c.TaskID)
	if err := m.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if routerThere(name) {
		t.Fatal("Prune left an unused router")
	}
}

func routerThere(name string) bool {
	names, _ := router.List(name)
	return len(names) > 0
}

// inNetns runs fn with its sockets made in the namespace at path.
func inNetns(t *testing.T, path string, fn func() error) error {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return namespace.Do(int(f.Fd()), fn)
}

// TestPortGuard: a task that takes another address (root in its namespace
// can; a container with raw sockets could forge one) gets nothing past its
// port, where its genuine address is let through.
func TestPortGuard(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ctx := context.Background()
	m := &Manager{NodeID: "test-" + randHex(4), Dir: t.TempDir(), Policy: policy{}}
	a, b := spec(11), spec(12)
	t.Cleanup(func() {
		_ = m.Remove(ctx, a.TaskID)
		_ = m.Remove(ctx, b.TaskID)
		m.Close()
	})
	for _, s := range []*agentapi.TaskSpec{a, b} {
		if _, err := m.Setup(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	var l net.Listener
	if err := inNetns(t, netns.Path(b.TaskID), func() (err error) { l, err = net.Listen("tcp", ":80"); return err }); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	dial := func(from string) error {
		return inNetns(t, netns.Path(a.TaskID), func() error {
			d := net.Dialer{Timeout: time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
			c, err := d.Dial("tcp", net.JoinHostPort(b.ENI.PrivateIPv4, "80"))
			if err == nil {
				c.Close()
			}
			return err
		})
	}
	// The first connection may wait out ARP and a loaded host (the
	// package runs beside the others in make test): a few tries.
	var err error
	for range 5 {
		if err = dial(a.ENI.PrivateIPv4); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("from its own address: %v", err)
	}
	// A member of the group b lets in on every port, on a's port.
	forged := "10.251.0.4"
	if out, err := exec.Command("ip", "-n", netns.Name(a.TaskID), "addr", "add", forged+"/16", "dev", "eth0").CombinedOutput(); err != nil {
		t.Fatalf("%s %v", out, err)
	}
	if err := dial(forged); err == nil {
		t.Fatal("a forged source address got through the task's port")
	}
}

package tasknet

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/agent/netns"
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
	name, _ := m.routerNames(a)
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

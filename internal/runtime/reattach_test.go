package runtime

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReattachAfterClose: containers keep running (and logging) while berth
// and its containerd are down, and a new Runtime on the same state dir
// lists, waits for and signals them.
func TestReattachAfterClose(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	ctx := context.Background()

	spec := e.spec("survivor", "sh", "-c", `trap "exit 7" TERM; i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.05; done`)
	ch := e.run(spec)
	before := assertStatus(t, e.rt, spec.ID, StatusRunning)
	containerdPid := e.daemonPid()

	e.close()
	if processAlive(containerdPid) {
		t.Fatal("containerd still running after Close")
	}
	if st := <-ch; st.Err == nil {
		t.Errorf("wait across Close = %+v, want an error", st)
	}
	if !processAlive(int(before.Pid)) {
		t.Fatal("container died with containerd")
	}
	size := len(readFile(spec.StdoutPath))
	time.Sleep(300 * time.Millisecond)
	if grown := len(readFile(spec.StdoutPath)); grown <= size {
		t.Errorf("output stopped while berth was down (%d → %d bytes)", size, grown)
	}

	rt := e.open()
	after := assertStatus(t, rt, spec.ID, StatusRunning)
	if after.Pid != before.Pid {
		t.Errorf("pid %d after re-open, was %d", after.Pid, before.Pid)
	}
	ch = mustWait(t, rt, spec.ID)
	if err := rt.Signal(ctx, spec.ID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if st := exit(t, ch, waitLimit); st.Code != 7 {
		t.Errorf("exit after re-attach = %+v, want 7", st)
	}
	if !strings.HasPrefix(readFile(spec.StdoutPath), "tick 1\n") {
		t.Errorf("stdout starts %q", readFile(spec.StdoutPath)[:min(20, len(readFile(spec.StdoutPath)))])
	}
}

// TestContainerdRestart: when our containerd dies it is restarted, and a
// Wait in progress rides the restart out.
func TestContainerdRestart(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	ctx := context.Background()

	spec := e.spec("through-restart", "sleep", "60")
	ch := e.run(spec)

	d := e.rt.daemon
	old := e.daemonPid()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if pid := e.daemonPid(); pid != 0 && pid != old {
			if _, err := e.rt.Images(ctx); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("containerd not back after SIGKILL; log:\n%s", d.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case st := <-ch:
		t.Fatalf("wait ended during the restart: %+v", st)
	default:
	}
	if err := e.rt.Signal(ctx, spec.ID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if st := exit(t, ch, waitLimit); st.Code != 137 {
		t.Errorf("exit = %+v, want 137", st)
	}
}

func TestStateDirLockedAndSocketFallback(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	if rt, err := Open(ctx, e.cfg); err == nil {
		rt.Close()
		t.Error("a second Open on the same state dir succeeded")
	}

	long := "/tmp/" + strings.Repeat("d", 120)
	p, err := socketPath(long)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(strings.TrimSuffix(p, "/containerd.sock"))
	if !strings.HasPrefix(p, "/run/berth-") || len(p) >= maxSocketPath {
		t.Errorf("socketPath(long) = %q", p)
	}
	if p2, _ := socketPath(long); p2 != p {
		t.Errorf("socketPath not stable: %q, %q", p, p2)
	}
	if p, _ := socketPath("/var/lib/berth/containerd"); p != "/var/lib/berth/containerd/containerd.sock" {
		t.Errorf("socketPath(short) = %q", p)
	}

	// A containerd whose state dir is too deep for a socket path.
	cfg := e.cfg
	cfg.Namespace = "berth-test-" + randHex(6)
	cfg.StateDir = filepath.Join(t.TempDir(), strings.Repeat("x", 100))
	rt, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Images(ctx); err != nil || !strings.HasPrefix(rt.Address(), "/run/berth-") {
		t.Errorf("Images = %v via %s", err, rt.Address())
	}
	if err := rt.Close(); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Dir(rt.Address())); !os.IsNotExist(err) {
		t.Errorf("fallback socket dir left: %v", err)
	}
}

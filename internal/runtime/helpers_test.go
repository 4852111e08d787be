package runtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/images"
	"github.com/containerd/containerd/snapshots"
)

// requireContainerd skips tests that need root and containerd + runc.
func requireContainerd(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, bin := range []string{"containerd", "containerd-shim-runc-v2", "runc"} {
		if _, err := exec.LookPath(bin); err != nil {
			if _, err := os.Stat(filepath.Join("/usr/sbin", bin)); err != nil {
				t.Skipf("needs %s: %v", bin, err)
			}
		}
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (busybox-static) for the test image")
	}
}

// testEnv is one test's own containerd (started by Open in a temporary
// state dir) and namespace. Its cleanup removes everything the test made,
// even when the test fails: containers, views, images, the namespace, the
// namespace's cgroups, and the containerd process.
type testEnv struct {
	t   testing.TB
	cfg Config
	rt  *Runtime // nil while closed
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	requireContainerd(t)
	w := &testWriter{t: t}
	e := &testEnv{t: t, cfg: Config{
		Namespace:     "berth-test-" + randHex(6),
		StateDir:      t.TempDir(),
		OwnContainerd: true,
		Log:           slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}}
	t.Cleanup(func() { w.done.Store(true) }) // runs after e.cleanup
	e.open()
	t.Cleanup(e.cleanup)
	return e
}

func (e *testEnv) open() *Runtime {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rt, err := Open(ctx, e.cfg)
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	e.rt = rt
	return rt
}

func (e *testEnv) close() {
	e.t.Helper()
	if err := e.rt.Close(); err != nil {
		e.t.Errorf("Close: %v", err)
	}
	e.rt = nil
}

func (e *testEnv) cleanup() {
	t := e.t
	if e.rt == nil {
		e.open()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rt := e.rt
	ctx = rt.ctx(ctx)
	if cs, err := rt.List(ctx); err != nil {
		t.Errorf("cleanup: list: %v", err)
	} else {
		for _, c := range cs {
			if err := rt.Delete(ctx, c.ID); err != nil {
				t.Errorf("cleanup: delete %s: %v", c.ID, err)
			}
		}
	}
	sn := rt.client.SnapshotService(snapshotter)
	var views []string
	_ = sn.Walk(ctx, func(_ context.Context, info snapshots.Info) error {
		if info.Kind != snapshots.KindCommitted {
			views = append(views, info.Name)
		}
		return nil
	})
	for _, v := range views {
		if err := sn.Remove(ctx, v); err != nil {
			t.Errorf("cleanup: remove snapshot %s: %v", v, err)
		}
	}
	if imgs, err := rt.client.ImageService().List(ctx); err == nil {
		for i, img := range imgs {
			var opts []images.DeleteOpt
			if i == len(imgs)-1 {
				opts = append(opts, images.SynchronousDelete())
			}
			if err := rt.client.ImageService().Delete(ctx, img.Name, opts...); err != nil {
				t.Errorf("cleanup: delete image %s: %v", img.Name, err)
			}
		}
	}
	var nsErr error
	for i := 0; i < 50; i++ {
		nsErr = rt.client.NamespaceService().Delete(ctx, e.cfg.Namespace)
		if nsErr == nil || errdefs.IsNotFound(nsErr) { // never used: never created
			nsErr = nil
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if nsErr != nil {
		t.Errorf("cleanup: delete namespace: %v", nsErr)
	}
	removeCgroups(t, "/"+e.cfg.Namespace)

	pid := e.daemonPid()
	e.close()
	if pid != 0 && processAlive(pid) {
		t.Errorf("cleanup: containerd %d still running after Close", pid)
	}
	if m := mountsUnder(e.cfg.StateDir); len(m) > 0 {
		t.Errorf("cleanup: mounts left under the state dir: %v", m)
		for _, p := range m {
			_ = syscall.Unmount(p, syscall.MNT_DETACH)
		}
	}
}

// daemonPid is the pid of the test's containerd, 0 if none runs.
func (e *testEnv) daemonPid() int {
	d := e.rt.daemon
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.proc == nil {
		return 0
	}
	return d.proc.Pid
}

// removeCgroups removes the cgroup path (and what is below it, deepest
// first) from every v1 hierarchy. runc removes a container's own cgroup;
// the parents are ours.
func removeCgroups(t testing.TB, path string) {
	ctrls, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, c := range ctrls {
		root := filepath.Join(c, path)
		var dirs []string
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := os.Remove(dirs[i]); err != nil && !os.IsNotExist(err) {
				t.Errorf("cleanup: remove cgroup %s: %v", dirs[i], err)
			}
		}
	}
}

func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			out = append(out, f[4])
		}
	}
	return out
}

// importTestImage imports the busybox test image as testImageName.
func (e *testEnv) importTestImage() Image {
	e.t.Helper()
	img, err := buildTestImage()
	if err != nil {
		e.t.Fatalf("build test image: %v", err)
	}
	imgs, err := e.rt.ImportArchive(context.Background(), bytes.NewReader(img.ociArchive(e.t, testImageName, false)))
	if err != nil {
		e.t.Fatalf("ImportArchive: %v", err)
	}
	return imgs[0]
}

// spec is a ContainerSpec for the test image running args, with its cgroup
// under the test's namespace and output in the test's temp dir.
func (e *testEnv) spec(id string, args ...string) ContainerSpec {
	dir := e.t.TempDir()
	return ContainerSpec{
		ID:          id,
		Image:       testImageName,
		Args:        args,
		CgroupsPath: "/" + e.cfg.Namespace + "/" + id,
		StdoutPath:  filepath.Join(dir, "stdout"),
		StderrPath:  filepath.Join(dir, "stderr"),
	}
}

// run creates and starts spec and returns its exit channel.
func (e *testEnv) run(spec ContainerSpec) <-chan ExitStatus {
	e.t.Helper()
	ctx := context.Background()
	if err := e.rt.Create(ctx, spec); err != nil {
		e.t.Fatalf("Create: %v", err)
	}
	ch, err := e.rt.Wait(ctx, spec.ID)
	if err != nil {
		e.t.Fatalf("Wait: %v", err)
	}
	if _, err := e.rt.Start(ctx, spec.ID); err != nil {
		e.t.Fatalf("Start: %v", err)
	}
	return ch
}

// exit waits for one exit status, failing after timeout.
func exit(t testing.TB, ch <-chan ExitStatus, timeout time.Duration) ExitStatus {
	t.Helper()
	select {
	case st := <-ch:
		if st.Err != nil {
			t.Fatalf("wait: %v", st.Err)
		}
		return st
	case <-time.After(timeout):
		t.Fatalf("no exit within %s", timeout)
	}
	return ExitStatus{}
}

// fileEventually waits until path holds want (the shim may still be
// copying the last output when the exit is reported).
func fileEventually(t testing.TB, path, want string) {
	t.Helper()
	var got []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got, _ = os.ReadFile(path)
		if string(got) == want {
			return
		}
	}
	t.Fatalf("%s = %q, want %q", filepath.Base(path), got, want)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// testWriter sends log output to t.Log until the test is over.
type testWriter struct {
	t    testing.TB
	done atomic.Bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	if _, bench := w.t.(*testing.B); !bench && !w.done.Load() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

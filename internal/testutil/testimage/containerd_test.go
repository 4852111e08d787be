package testimage

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ctrd is a throwaway containerd with its own root, state and socket, and
// the namespace the test works in.
type ctrd struct {
	dir, sock, ns string
	cmd           *exec.Cmd
	exited        chan struct{}
}

// TestContainerdImportAndRun proves containerd accepts the archives: it
// imports them with `ctr images import` (no --base-name, so the names come
// from the io.containerd.image.name annotation) and runs them.
func TestContainerdImportAndRun(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping containerd")
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: skipping containerd")
	}
	for _, bin := range []string{"/usr/bin/containerd", "/usr/bin/ctr"} {
		if _, err := os.Stat(bin); err != nil {
			t.Skipf("no %s (Debian's containerd package): skipping", bin)
		}
	}
	for _, bin := range []string{"containerd-shim-runc-v2", "runc"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("no %s in PATH: skipping", bin)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startContainerd(t)

	dir := t.TempDir()
	def, err := BuildImage(ctx, dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	custom, err := BuildImage(ctx, dir, Options{
		Name:       "berth-test/app:custom",
		Entrypoint: []string{"/testapp"},
		Cmd:        []string{"print", "-out", "cmd ran"},
		Env:        []string{"FOO=bar"},
		WorkingDir: "/home/app",
		User:       "app",
		ExtraFiles: map[string][]byte{"/etc/berth/hello.sh": []byte("#!/bin/sh\necho script \"$(id -un)\" \"$(pwd)\" \"$FOO\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The same archive without its OCI layout files is a docker archive,
	// which containerd names from manifest.json's RepoTags.
	dockerOnly, err := BuildImage(ctx, t.TempDir(), Options{Name: "berth-test/app:docker"})
	if err != nil {
		t.Fatal(err)
	}
	stripOCILayout(t, dockerOnly.Archive)
	for _, img := range []*Image{def, custom, dockerOnly} {
		start := time.Now()
		if out, err := c.ctr(ctx, "images", "import", img.Archive); err != nil {
			t.Fatalf("import %s: %v\n%s", img.Archive, err, out)
		}
		t.Logf("ctr images import %s: %v", filepath.Base(img.Archive), time.Since(start))
	}
	out, err := c.ctr(ctx, "images", "ls")
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []*Image{def, custom} {
		if !strings.Contains(out, img.Name+" ") || !strings.Contains(out, img.Digest) {
			t.Errorf("ctr images ls lacks %s %s:\n%s", img.Name, img.Digest, out)
		}
	}
	if !strings.Contains(out, dockerOnly.Name+" ") {
		t.Errorf("ctr images ls lacks %s:\n%s", dockerOnly.Name, out)
	}

	runs := []struct {
		image string
		args  []string
		want  string
	}{
		{def.Name, []string{"/testapp", "print", "-out", "hello"}, "hello\n"},
		{def.Name, []string{"/bin/sh", "-c", "id -u; ls /bin/wget; echo $PATH"}, "0\n/bin/wget\n" + strings.TrimPrefix(DefaultPath, "PATH=") + "\n"},
		{custom.Name, nil, "cmd ran\n"},
		{custom.Name, []string{"/etc/berth/hello.sh"}, "script app /home/app bar\n"},
		{dockerOnly.Name, []string{"/testapp", "print", "-out", "docker"}, "docker\n"},
	}
	for i, r := range runs {
		id := fmt.Sprintf("run-%d", i)
		args := append([]string{"run", "--rm", "--fifo-dir", filepath.Join(c.dir, "fifo"), r.image, id}, r.args...)
		start := time.Now()
		out, err := c.ctr(ctx, args...)
		if err != nil {
			t.Errorf("ctr %s: %v\n%s", strings.Join(args, " "), err, out)
			continue
		}
		if out != r.want {
			t.Errorf("ctr run %s %q = %q, want %q", r.image, r.args, out, r.want)
		}
		t.Logf("ctr run %s %q: %v", r.image, r.args, time.Since(start))
	}
}

// stripOCILayout rewrites an archive without oci-layout and index.json.
func stripOCILayout(t *testing.T, archive string) {
	t.Helper()
	in, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	tr, tw := tar.NewReader(bytes.NewReader(in)), tar.NewWriter(out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "oci-layout" || h.Name == "index.json" {
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

func startContainerd(t *testing.T) *ctrd {
	t.Helper()
	// A short directory under /tmp keeps the socket path within the
	// 108-byte limit of unix socket addresses.
	dir, err := os.MkdirTemp("/tmp", "bt-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(t, dir) })
	var rnd [4]byte
	rand.Read(rnd[:])
	c := &ctrd{dir: dir, sock: filepath.Join(dir, "c.sock"), ns: "berth-test-" + hex.EncodeToString(rnd[:]), exited: make(chan struct{})}
	config := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = %q

[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.sock, filepath.Join(dir, "opt"))
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	c.cmd = exec.Command("/usr/bin/containerd", "--config", cfg)
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	// Its own process group, so a signal to the test's group leaves it be.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.cmd.Wait(); logFile.Close(); close(c.exited) }()
	t.Cleanup(func() {
		c.stop(t)
		if t.Failed() {
			if b, err := os.ReadFile(logFile.Name()); err == nil {
				t.Logf("containerd log:\n%s", tail(string(b), 40))
			}
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if _, err := c.ctr(ctx, "version"); err == nil {
			break
		}
		select {
		case <-c.exited:
			b, _ := os.ReadFile(logFile.Name())
			t.Fatalf("containerd exited:\n%s", tail(string(b), 40))
		case <-ctx.Done():
			t.Fatal("containerd did not answer within 30s")
		case <-time.After(100 * time.Millisecond):
		}
	}
	return c
}

func (c *ctrd) ctr(ctx context.Context, args ...string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, "/usr/bin/ctr", append([]string{"-a", c.sock, "-n", c.ns}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// stop empties the namespace (tasks, containers, images), removes it, and
// stops containerd: shims outlive containerd, so tasks go first.
func (c *ctrd) stop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	select {
	case <-c.exited:
	default:
		ids := func(args ...string) []string {
			out, err := c.ctr(ctx, args...)
			if err != nil {
				return nil
			}
			return strings.Fields(out)
		}
		for _, id := range ids("tasks", "ls", "-q") {
			c.ctr(ctx, "tasks", "kill", "-a", "-s", "SIGKILL", id)
			c.ctr(ctx, "tasks", "delete", "-f", id)
		}
		for _, id := range ids("containers", "ls", "-q") {
			if out, err := c.ctr(ctx, "containers", "delete", id); err != nil {
				t.Errorf("delete container %s: %v %s", id, err, out)
			}
		}
		if imgs := ids("images", "ls", "-q"); len(imgs) > 0 {
			if out, err := c.ctr(ctx, append([]string{"images", "rm", "--sync"}, imgs...)...); err != nil {
				t.Errorf("remove images: %v %s", err, out)
			}
		}
		if out, err := c.ctr(ctx, "namespaces", "rm", c.ns); err != nil {
			t.Errorf("remove namespace %s: %v %s", c.ns, err, out)
		}
		c.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-c.exited:
	case <-time.After(15 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
	// Left behind by the shims: the namespace's cgroup (ctr run's default
	// cgroup path is /<namespace>/<id>) and runc's state directory.
	leftovers, _ := filepath.Glob("/sys/fs/cgroup/*/" + c.ns)
	leftovers = append(leftovers, "/sys/fs/cgroup/"+c.ns, "/run/containerd/runc/"+c.ns)
	for _, d := range leftovers {
		if err := os.Remove(d); err != nil && !os.IsNotExist(err) {
			t.Errorf("cleanup: %v", err)
		}
	}
}

// removeTree unmounts whatever is still mounted below dir, deepest first,
// and removes it.
func removeTree(t *testing.T, dir string) {
	if f, err := os.Open("/proc/self/mountinfo"); err == nil {
		var mounts []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if fields := strings.Fields(sc.Text()); len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
				mounts = append(mounts, fields[4])
			}
		}
		f.Close()
		sort.Sort(sort.Reverse(sort.StringSlice(mounts)))
		for _, m := range mounts {
			t.Logf("unmounting leftover %s", m)
			syscall.Unmount(m, syscall.MNT_DETACH)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (loop devices, mounts)")
	}
}

func newManager(t testing.TB) *Manager {
	t.Helper()
	requireRoot(t)
	m := &Manager{Root: t.TempDir(), Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))}
	// Whatever a failed test left, unmount it before TempDir's RemoveAll
	// (registered earlier, so it runs later) could walk into a mount.
	t.Cleanup(func() {
		ids, _ := m.List()
		for _, id := range ids {
			if err := m.Destroy(context.Background(), id); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	return m
}

// createTask creates storage of size bytes (newManager's cleanup destroys
// it).
func createTask(t testing.TB, m *Manager, id string, size int64) *Volume {
	t.Helper()
	v, err := m.create(t.Context(), id, size)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mounts(t testing.TB) mountTable {
	t.Helper()
	mi, err := readMountinfo()
	if err != nil {
		t.Fatal(err)
	}
	return mi
}

func countAt(t testing.TB, p string) int {
	n := 0
	for _, e := range mounts(t) {
		if e.mountpoint == p {
			n++
		}
	}
	return n
}

func writeFile(t testing.TB, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameDev(t testing.TB, a, b string) bool {
	t.Helper()
	var sa, sb unix.Stat_t
	if err := unix.Stat(a, &sa); err != nil {
		t.Fatal(err)
	}
	if err := unix.Stat(b, &sb); err != nil {
		t.Fatal(err)
	}
	return sa.Dev == sb.Dev
}

// assertGone checks that nothing of the task's storage is left: no mount,
// no loop device bound to the image, no files.
func assertGone(t *testing.T, m *Manager, v *Volume, extraTargets ...string) {
	t.Helper()
	dir := filepath.Dir(v.Image)
	if left := mounts(t).under(dir); len(left) > 0 {
		t.Errorf("still mounted: %+v", left)
	}
	for _, p := range extraTargets {
		if n := countAt(t, p); n != 0 {
			t.Errorf("%s still mounted", p)
		}
	}
	if devs := loopsBackedBy(v.Image); len(devs) > 0 {
		t.Errorf("loop devices still bound: %v", devs)
	}
	out, err := exec.Command("losetup", "-a").CombinedOutput()
	if err != nil {
		t.Fatalf("losetup -a: %v: %s", err, out)
	}
	if bytes.Contains(out, []byte(v.Image)) {
		t.Errorf("losetup -a still lists %s:\n%s", v.Image, out)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("task dir %s: %v, want gone", dir, err)
	}
	ids, err := m.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if id == v.TaskID {
			t.Errorf("List still has %s", id)
		}
	}
}

func TestCreateVolumesRootfsDestroy(t *testing.T) {
	// Made before the Manager so that it is removed after the task's
	// storage, whose overlay may be mounted in it.
	outside := t.TempDir()
	m := newManager(t)
	ctx := t.Context()
	const id = "0123456789abcdef0123456789abcdef"
	v, err := m.Create(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}

	if e, ok := mounts(t).at(v.Mountpoint); !ok || e.fstype != "ext4" || e.source != v.Device {
		t.Fatalf("mount at %s = %+v, want ext4 from %s", v.Mountpoint, e, v.Device)
	}
	out, err := exec.Command("losetup", "-j", v.Image).CombinedOutput()
	if err != nil || !strings.Contains(string(out), v.Device) {
		t.Fatalf("losetup -j %s: %v: %q, want %s", v.Image, err, out, v.Device)
	}
	if st, err := os.Stat(v.Image); err != nil || st.Size() != 1<<30 {
		t.Fatalf("image: %v, %v", st, err)
	}

	t.Run("create again adopts", func(t *testing.T) {
		v2, err := m.Create(ctx, id, 1)
		if err != nil {
			t.Fatal(err)
		}
		if v2.Device != v.Device || v2.Mountpoint != v.Mountpoint || v2.SizeBytes != v.SizeBytes {
			t.Errorf("second Create = %+v, want %+v", v2, v)
		}
		// A restarted agent has a new Manager.
		v3, err := (&Manager{Root: m.Root}).Create(ctx, id, 1)
		if err != nil || v3.Device != v.Device {
			t.Errorf("Create from a new Manager = %+v, %v", v3, err)
		}
		if n := countAt(t, v.Mountpoint); n != 1 {
			t.Errorf("%d mounts at %s, want 1", n, v.Mountpoint)
		}
	})

	t.Run("volume", func(t *testing.T) {
		p, err := m.VolumePath(id, "data")
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(v.Mountpoint, "volumes", "data"); p != want {
			t.Errorf("VolumePath = %s, want %s", p, want)
		}
		writeFile(t, filepath.Join(p, "f"), "shared")
		if got := readFile(t, filepath.Join(v.Mountpoint, "volumes/data/f")); got != "shared" {
			t.Errorf("read back %q", got)
		}
		if !sameDev(t, p, v.Mountpoint) {
			t.Error("volume is not on the ephemeral filesystem")
		}
	})

	t.Run("rootfs", func(t *testing.T) {
		top, bottom := t.TempDir(), t.TempDir()
		writeFile(t, filepath.Join(top, "a"), "top")
		writeFile(t, filepath.Join(bottom, "a"), "bottom")
		writeFile(t, filepath.Join(bottom, "etc/b"), "b")
		if err := os.Chmod(top, 0o751); err != nil {
			t.Fatal(err)
		}
		target, err := m.RootfsPath(id, "app")
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second is a no-op
			if err := m.MountRootfs(ctx, id, "app", []string{top, bottom}, target); err != nil {
				t.Fatal(err)
			}
		}
		if n := countAt(t, target); n != 1 {
			t.Fatalf("%d mounts at %s, want 1", n, target)
		}
		if got := readFile(t, filepath.Join(target, "a")); got != "top" {
			t.Errorf("a = %q, want the top layer's", got)
		}
		if st, err := os.Stat(target); err != nil || st.Mode().Perm() != 0o751 {
			t.Errorf("rootfs root mode = %v, %v; want the image's 0751", st.Mode(), err)
		}
		writeFile(t, filepath.Join(target, "new"), "n")
		writeFile(t, filepath.Join(target, "etc/b"), "changed")

		upper := filepath.Join(v.Mountpoint, "containers/app/upper")
		if got := readFile(t, filepath.Join(upper, "new")); got != "n" {
			t.Errorf("upper/new = %q", got)
		}
		if got := readFile(t, filepath.Join(upper, "etc/b")); got != "changed" {
			t.Errorf("upper/etc/b = %q", got)
		}
		if got := readFile(t, filepath.Join(bottom, "etc/b")); got != "b" {
			t.Errorf("lower etc/b changed to %q", got)
		}
		for _, l := range []string{top, bottom} {
			if _, err := os.Stat(filepath.Join(l, "new")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("write landed in lower %s: %v", l, err)
			}
		}
		if !sameDev(t, upper, v.Mountpoint) {
			t.Error("upper dir is not on the ephemeral filesystem")
		}

		// A second container, its rootfs outside the task dir: its writable
		// layer is its own.
		other := filepath.Join(outside, "sidecar")
		if err := m.MountRootfs(ctx, id, "sidecar", []string{top, bottom}, other); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(other, "new")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("sidecar sees app's write: %v", err)
		}
		if got := readFile(t, filepath.Join(other, "etc/b")); got != "b" {
			t.Errorf("sidecar etc/b = %q, want the image's", got)
		}

		if err := m.Destroy(ctx, id); err != nil {
			t.Fatal(err)
		}
		assertGone(t, m, v, target, other)
		if err := m.Destroy(ctx, id); err != nil {
			t.Errorf("second Destroy: %v", err)
		}
		if _, err := m.VolumePath(id, "data"); !errors.Is(err, ErrNotMounted) {
			t.Errorf("VolumePath after Destroy: %v, want ErrNotMounted", err)
		}
	})
}

func TestFullDiskENOSPC(t *testing.T) {
	m := newManager(t)
	const size = 16 << 20
	v := createTask(t, m, "full", size)
	vol, err := m.VolumePath("full", "v")
	if err != nil {
		t.Fatal(err)
	}
	lower := t.TempDir()
	writeFile(t, filepath.Join(lower, "bin/sh"), "#!")
	target, _ := m.RootfsPath("full", "c")
	if err := m.MountRootfs(t.Context(), "full", "c", []string{lower}, target); err != nil {
		t.Fatal(err)
	}

	fill := func(p string) error {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		defer f.Close()
		buf := make([]byte, 1<<20)
		for range 2 * size / len(buf) {
			if _, err := f.Write(buf); err != nil {
				return err
			}
		}
		return f.Sync()
	}
	if err := fill(filepath.Join(vol, "big")); !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("filling the volume: %v, want ENOSPC", err)
	}
	if err := fill(filepath.Join(target, "big")); !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("writing the rootfs of a full task: %v, want ENOSPC", err)
	}
	used, total, err := m.Usage("full")
	if err != nil {
		t.Fatal(err)
	}
	if total > size || total < size*8/10 || used < total*9/10 {
		t.Errorf("Usage = %d used of %d, want nearly all of about %d", used, total, size)
	}
	if err := m.Destroy(t.Context(), "full"); err != nil {
		t.Fatal(err)
	}
	assertGone(t, m, v, target)
}

func TestManyLowerdirs(t *testing.T) {
	m := newManager(t)
	createTask(t, m, "deep", 16<<20)
	base := filepath.Join(t.TempDir(), strings.Repeat("snapshots-", 6))
	var lowers []string
	for i := range 120 {
		d := filepath.Join(base, fmt.Sprint(i), "fs")
		writeFile(t, filepath.Join(d, fmt.Sprintf("layer%d", i)), fmt.Sprint(i))
		lowers = append(lowers, d)
	}
	if n := len(strings.Join(lowers, ":")); n < os.Getpagesize() {
		t.Fatalf("lowerdirs are only %d bytes; the test needs more than a page", n)
	}
	wd, _ := os.Getwd()
	target, _ := m.RootfsPath("deep", "c")
	if err := m.MountRootfs(t.Context(), "deep", "c", lowers, target); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 119} {
		if got := readFile(t, filepath.Join(target, fmt.Sprintf("layer%d", i))); got != fmt.Sprint(i) {
			t.Errorf("layer%d = %q", i, got)
		}
	}
	if now, _ := os.Getwd(); now != wd {
		t.Errorf("working directory changed from %s to %s", wd, now)
	}
}

func TestConcurrentCreate(t *testing.T) {
	m := newManager(t)
	var wg sync.WaitGroup
	vols := make([]*Volume, 6)
	for i := range vols {
		id := fmt.Sprintf("task%d", i)
		wg.Go(func() {
			v, err := m.create(t.Context(), id, 32<<20)
			if err != nil {
				t.Error(err)
				return
			}
			vols[i] = v
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, v := range vols {
		if v == nil {
			continue
		}
		if seen[v.Device] {
			t.Errorf("device %s given twice", v.Device)
		}
		seen[v.Device] = true
	}
	ids, err := m.List()
	if err != nil || len(ids) != len(vols) {
		t.Errorf("List = %v, %v", ids, err)
	}
	for _, v := range vols {
		wg.Go(func() {
			if err := m.Destroy(context.Background(), v.TaskID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, v := range vols {
		assertGone(t, m, v)
	}
}

// A leftover image whose filesystem is not mounted (the host rebooted) is
// formatted afresh rather than trusted.
func TestCreateReformatsUnmounted(t *testing.T) {
	m := newManager(t)
	v := createTask(t, m, "old", 16<<20)
	vol, _ := m.VolumePath("old", "v")
	writeFile(t, filepath.Join(vol, "stale"), "x")
	if err := unix.Unmount(v.Mountpoint, 0); err != nil {
		t.Fatal(err)
	}
	v2, err := m.create(t.Context(), "old", 16<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(v2.Mountpoint, "volumes/v/stale")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale data survived: %v", err)
	}
}

func TestInvalidNames(t *testing.T) {
	m := &Manager{Root: t.TempDir()}
	for _, id := range []string{"", ".", "..", "a/b", "../x"} {
		if _, err := m.Create(t.Context(), id, 1); err == nil {
			t.Errorf("Create(%q) succeeded", id)
		}
		if err := m.Destroy(t.Context(), id); err == nil {
			t.Errorf("Destroy(%q) succeeded", id)
		}
	}
	if err := m.MountRootfs(t.Context(), "t", "c", []string{"rel"}, "/x"); err == nil {
		t.Error("relative lowerdir accepted")
	}
	if err := m.MountRootfs(t.Context(), "t", "c", []string{"/a,b"}, "/x"); err == nil {
		t.Error("lowerdir with a comma accepted")
	}
	if _, _, err := m.Usage("nosuch"); !errors.Is(err, ErrNotMounted) {
		t.Errorf("Usage of no task: %v", err)
	}
	if ids, err := (&Manager{Root: "/nonexistent/berth"}).List(); err != nil || len(ids) != 0 {
		t.Errorf("List of missing root = %v, %v", ids, err)
	}
}

func TestCommonParent(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"/a/s/1/fs", "/a/s/2/fs"}, "/a/s"},
		{[]string{"/a/s/1/fs"}, "/a/s/1"},
		{[]string{"/a/b", "/a/bc"}, "/a"},
		{[]string{"/x/1", "/y/2"}, "/"},
		{[]string{"/a/b", "/a/b/c"}, "/a"},
	} {
		if got := commonParent(tc.in); got != tc.want {
			t.Errorf("commonParent(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseMountinfo(t *testing.T) {
	in := `22 1 0:21 / /proc rw,nosuid shared:5 - proc proc rw
100 22 7:3 / /var/lib/berth/t\0401/fs rw,noatime - ext4 /dev/loop3 rw
101 100 0:50 / /var/lib/berth/t\0401/rootfs/c rw shared:9 master:2 - overlay overlay rw,lowerdir=/l1:/l2,upperdir=/var/lib/berth/t\0401/fs/containers/c/upper,workdir=/w
`
	mi, err := parseMountinfo([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := mi.at("/var/lib/berth/t 1/fs")
	if !ok || e.fstype != "ext4" || e.source != "/dev/loop3" {
		t.Errorf("at = %+v, %v", e, ok)
	}
	if u := mi.under("/var/lib/berth/t 1"); len(u) != 2 || u[0].fstype != "overlay" {
		t.Errorf("under = %+v", u)
	}
	if o := mi.overlaysOn("/var/lib/berth/t 1/fs"); len(o) != 1 || o[0].mountpoint != "/var/lib/berth/t 1/rootfs/c" {
		t.Errorf("overlaysOn = %+v", o)
	}
	if len(mi.under("/var/lib/berth/t")) != 0 {
		t.Error("under matched a sibling prefix")
	}
	if _, err := parseMountinfo([]byte("garbage\n")); err == nil {
		t.Error("malformed line accepted")
	}
}

// BenchmarkCreateDestroy measures a default-size (20 GiB) task's storage
// from nothing to mounted and back.
func BenchmarkCreateDestroy(b *testing.B) {
	m := newManager(b)
	m.Log = slog.New(slog.DiscardHandler)
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprint("bench", i)
		if _, err := m.Create(b.Context(), id, DefaultSizeGiB); err != nil {
			b.Fatal(err)
		}
		if err := m.Destroy(b.Context(), id); err != nil {
			b.Fatal(err)
		}
	}
}

package runtime

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/containerd/containerd/mount"
)

// TestCallerRootfs builds what the agent builds for a container on the
// task's ephemeral storage: an overlay of the image's view (lower) and a
// directory of its own (upper), passed as Rootfs.
func TestCallerRootfs(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	ctx := context.Background()

	const key = "view-caller-rootfs"
	mounts, err := e.rt.ImageRootfsMounts(ctx, testImageName, key)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.rt.ImageRootfsMounts(ctx, testImageName, key)
	if err != nil || len(again) != len(mounts) || again[0].Source != mounts[0].Source {
		t.Errorf("second ImageRootfsMounts = %+v, %v; want the same view %+v", again, err, mounts)
	}
	lower, err := LowerDirs(mounts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	upper, work, rootfs := filepath.Join(dir, "upper"), filepath.Join(dir, "work"), filepath.Join(dir, "rootfs")
	for _, d := range []string{upper, work, rootfs} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opts := "lowerdir=" + strings.Join(lower, ":") + ",upperdir=" + upper + ",workdir=" + work
	if err := syscall.Mount("overlay", rootfs, "overlay", 0, opts); err != nil {
		t.Fatalf("mount overlay: %v", err)
	}
	// Cleanups run last-in first-out: unmount before the env's cleanup.
	t.Cleanup(func() {
		if err := syscall.Unmount(rootfs, 0); err != nil {
			t.Errorf("unmount: %v", err)
		}
		if err := e.rt.RemoveView(ctx, key); err != nil {
			t.Errorf("RemoveView: %v", err)
		}
		if err := e.rt.RemoveView(ctx, key); err != nil {
			t.Errorf("second RemoveView: %v", err)
		}
	})

	spec := e.spec("caller-rootfs", "sh", "-c", "echo written > /tmp/hello && id -u")
	spec.Rootfs = rootfs
	spec.User = "app:app"
	if st := exit(t, e.run(spec), waitLimit); st.Code != 0 {
		t.Fatalf("exit %d, stderr %q", st.Code, readFile(spec.StderrPath))
	}
	fileEventually(t, spec.StdoutPath, "1000\n")
	if got := readFile(filepath.Join(upper, "tmp", "hello")); got != "written\n" {
		t.Errorf("upper dir has %q, want the container's write", got)
	}
	if _, err := os.Stat(filepath.Join(lower[0], "tmp", "hello")); err == nil {
		t.Error("the write reached the image's layer")
	}
	if err := e.rt.Delete(ctx, spec.ID); err != nil {
		t.Fatal(err)
	}
	// The caller's rootfs is the caller's: still mounted and intact.
	if got := readFile(filepath.Join(rootfs, "tmp", "hello")); got != "written\n" {
		t.Errorf("rootfs after Delete has %q", got)
	}
}

func TestLowerDirs(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []mount.Mount
		want string
		err  bool
	}{
		{"bind", []mount.Mount{{Type: "bind", Source: "/s/1/fs", Options: []string{"ro", "rbind"}}}, "/s/1/fs", false},
		{"overlay", []mount.Mount{{Type: "overlay", Source: "overlay", Options: []string{"ro", "lowerdir=/s/2/fs:/s/1/fs"}}}, "/s/2/fs,/s/1/fs", false},
		{"none", nil, "", true},
		{"tmpfs", []mount.Mount{{Type: "tmpfs"}}, "", true},
	} {
		got, err := LowerDirs(tc.in)
		if (err != nil) != tc.err || strings.Join(got, ",") != tc.want {
			t.Errorf("%s: LowerDirs = %v, %v", tc.name, got, err)
		}
	}
}

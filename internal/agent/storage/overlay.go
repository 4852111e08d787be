package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/mountinfo"
)

// maxLayers is overlayfs's limit on lower layers (OVL_MAX_STACK).
const maxLayers = 500

// MountRootfs mounts a container's root filesystem at target: an overlay
// of lowerdirs (the image, read-only, topmost first, as in overlay's
// lowerdir=) under an upper and work dir on the task's ephemeral storage, so
// the container's writes are its own and count against the task's size.
// target is created if missing; it is usually RootfsPath(taskID, container)
// but may be anywhere, since Destroy finds overlays by their upper dir.
// Mounting the same container at the same target again is a no-op.
func (m *Manager) MountRootfs(ctx context.Context, taskID, container string, lowerdirs []string, target string) error {
	if err := validName("task id", taskID); err != nil {
		return err
	}
	if err := validName("container name", container); err != nil {
		return err
	}
	if err := validLowerdirs(lowerdirs); err != nil {
		return fmt.Errorf("storage: task %s container %s: %w", taskID, container, err)
	}
	if !filepath.IsAbs(target) {
		return fmt.Errorf("storage: rootfs target %q is not absolute", target)
	}
	unlock := m.locks.lock(taskID)
	defer unlock()
	mnt, err := m.mountedFS(taskID)
	if err != nil {
		return err
	}
	wrap := func(err error) error {
		return fmt.Errorf("storage: task %s container %s: %w", taskID, container, err)
	}

	cdir := filepath.Join(mnt, "containers", container)
	upper, work := filepath.Join(cdir, "upper"), filepath.Join(cdir, "work")
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		return wrap(err)
	}
	if err := os.Mkdir(upper, 0o755); err == nil {
		// The merged root takes the upper dir's mode and owner: give it the
		// image's, as containerd's overlay snapshotter does.
		if err := copyDirAttrs(lowerdirs[0], upper); err != nil {
			return wrap(err)
		}
	} else if !errors.Is(err, os.ErrExist) {
		return wrap(err)
	}
	if err := os.Mkdir(work, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return wrap(err)
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return wrap(err)
	}
	if target, err = filepath.EvalSymlinks(target); err != nil {
		return wrap(err)
	}
	// Only a target that is already a mount point can be this container's
	// overlay; reading the mount table costs more as the host fills.
	if mounted, err := mountinfo.IsMountpoint(target); err != nil {
		return wrap(err)
	} else if mounted {
		if mi, err := readMountinfo(); err == nil {
			if e, ok := mi.at(target); ok && e.fstype == "overlay" && overlayOpt(e.superOpts, "upperdir") == upper {
				return nil
			}
		}
	}
	if err := mountOverlay(lowerdirs, upper, work, target); err != nil {
		return wrap(err)
	}
	return nil
}

// RootfsPath is the conventional mount target for a container's rootfs:
// <root>/<task-id>/fs/rootfs/<container>, on the task's filesystem (so
// MountRootfs makes it only once that is mounted).
func (m *Manager) RootfsPath(taskID, container string) (string, error) {
	if err := validName("task id", taskID); err != nil {
		return "", err
	}
	if err := validName("container name", container); err != nil {
		return "", err
	}
	dir, err := m.taskDir(taskID)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, fsName, rootfsName, container), nil
}

// mountOverlay mounts the overlay. mount(2) takes at most a page of
// options, which a deep image's absolute lowerdirs can exceed; then the
// lowerdirs are given relative to their common parent, from a thread whose
// working directory is that parent (what containerd does; each relative
// path is short, e.g. "123/fs" for a containerd snapshot).
func mountOverlay(lowerdirs []string, upper, work, target string) error {
	opts := func(lower []string) string {
		return "lowerdir=" + strings.Join(lower, ":") + ",upperdir=" + upper + ",workdir=" + work
	}
	data := opts(lowerdirs)
	if len(data) < os.Getpagesize() {
		if err := unix.Mount("overlay", target, "overlay", 0, data); err != nil {
			return &os.PathError{Op: "mount overlay", Path: target, Err: err}
		}
		return nil
	}
	parent := commonParent(lowerdirs)
	rel := make([]string, len(lowerdirs))
	for i, d := range lowerdirs {
		r, err := filepath.Rel(parent, d)
		if err != nil {
			return err
		}
		rel[i] = r
	}
	data = opts(rel)
	if len(data) >= os.Getpagesize() {
		return fmt.Errorf("overlay options are %d bytes even relative to %s, over the %d-byte limit of mount(2)",
			len(data), parent, os.Getpagesize())
	}
	if err := mountFrom(parent, "overlay", target, "overlay", 0, data); err != nil {
		return &os.PathError{Op: "mount overlay", Path: target, Err: err}
	}
	return nil
}

// mountFrom calls mount(2) with dir as the working directory, without
// changing the process's: the goroutine's thread unshares its filesystem
// context (cwd, root, umask) before chdir, and is never unlocked, so the
// Go runtime discards the thread when the goroutine ends.
func mountFrom(dir, source, target, fstype string, flags uintptr, data string) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // deliberately never unlocked
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("unshare(CLONE_FS): %w", err)
			return
		}
		if err := unix.Chdir(dir); err != nil {
			errc <- &os.PathError{Op: "chdir", Path: dir, Err: err}
			return
		}
		errc <- unix.Mount(source, target, fstype, flags, data)
	}()
	return <-errc
}

// commonParent is the deepest directory containing every path in ps
// (absolute and clean).
func commonParent(ps []string) string {
	parent := filepath.Dir(ps[0])
	for _, p := range ps[1:] {
		for parent != "/" && !strings.HasPrefix(p, parent+"/") {
			parent = filepath.Dir(parent)
		}
	}
	return parent
}

// validLowerdirs rejects what overlay's option syntax cannot carry
// unescaped (',' separates options, ':' layers) and relative paths.
func validLowerdirs(ds []string) error {
	if len(ds) == 0 {
		return errors.New("no lowerdirs")
	}
	if len(ds) > maxLayers {
		return fmt.Errorf("%d lowerdirs, overlay allows %d", len(ds), maxLayers)
	}
	for _, d := range ds {
		if !filepath.IsAbs(d) || filepath.Clean(d) != d || strings.ContainsAny(d, ",:\\\x00") {
			return fmt.Errorf("unsupported lowerdir %q", d)
		}
	}
	return nil
}

// copyDirAttrs gives dst the permission bits and owner of src.
func copyDirAttrs(src, dst string) error {
	var st unix.Stat_t
	if err := unix.Stat(src, &st); err != nil {
		return &os.PathError{Op: "stat", Path: src, Err: err}
	}
	// chown first: it clears set-id bits that chmod then restores.
	if err := unix.Lchown(dst, int(st.Uid), int(st.Gid)); err != nil {
		return &os.PathError{Op: "chown", Path: dst, Err: err}
	}
	if err := unix.Chmod(dst, st.Mode&0o7777); err != nil {
		return &os.PathError{Op: "chmod", Path: dst, Err: err}
	}
	return nil
}

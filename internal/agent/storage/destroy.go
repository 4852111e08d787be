package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Destroy removes the task's storage: it unmounts the container rootfs
// overlays (wherever their targets are) and anything else mounted under the
// task's directory, then the ext4 filesystem, makes sure no loop device is
// left bound to the image, and removes the files. Safe to call twice, and on
// a task that has no storage.
func (m *Manager) Destroy(ctx context.Context, taskID string) error {
	if err := validName("task id", taskID); err != nil {
		return err
	}
	unlock := m.locks.lock(taskID)
	defer unlock()
	dir, err := m.taskDir(taskID)
	if err != nil {
		return err
	}
	mi, err := readMountinfo()
	if err != nil {
		return fmt.Errorf("storage: task %s: %w", taskID, err)
	}
	// Overlays first (their upper dirs keep the ext4 filesystem busy), then
	// everything under the task dir, each list deepest (latest) first.
	upperRoot := filepath.Join(dir, fsName)
	var errs []error
	var devs []string // the loop devices the task's filesystem was on
	for _, e := range mi.under(dir) {
		if strings.HasPrefix(e.source, "/dev/loop") {
			devs = append(devs, e.source)
		}
	}
	for _, e := range append(mi.overlaysOn(upperRoot), mi.under(dir)...) {
		if err := unmount(ctx, e.mountpoint); err != nil {
			errs = append(errs, err)
		} else if e.fstype != "overlay" {
			m.log().Debug("unmounted", "task", taskID, "path", e.mountpoint)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("storage: task %s: %w", taskID, err)
	}

	img := filepath.Join(dir, imageName)
	// Autoclear frees the loop device when the filesystem goes; this only
	// catches a device left from a crash between attach and mount.
	if err := waitLoopsFreed(ctx, img, devs); err != nil {
		m.log().Warn("loop device still bound after unmount", "task", taskID, "err", err)
	}
	// Never RemoveAll across a mount: that would delete whatever it shows.
	if mi, err := readMountinfo(); err != nil {
		return fmt.Errorf("storage: task %s: %w", taskID, err)
	} else if left := mi.under(dir); len(left) > 0 {
		return fmt.Errorf("storage: task %s: %s still mounted", taskID, left[0].mountpoint)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("storage: task %s: %w", taskID, err)
	}
	m.log().Debug("ephemeral storage destroyed", "task", taskID)
	return nil
}

// unmount unmounts p, retrying briefly while it is busy (a process in the
// task still exiting), and finally detaches it lazily so that a stuck
// process cannot pin the task's storage forever: the filesystem and its
// loop device then go when the last user does.
func unmount(ctx context.Context, p string) error {
	const tries = 20
	for i := 0; ; i++ {
		err := unix.Unmount(p, unix.UMOUNT_NOFOLLOW)
		switch {
		case err == nil, errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOENT):
			return nil // EINVAL: no longer a mount point
		case !errors.Is(err, unix.EBUSY):
			return &os.PathError{Op: "umount", Path: p, Err: err}
		case i == tries || ctx.Err() != nil:
			if err := unix.Unmount(p, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW); err != nil && !errors.Is(err, unix.EINVAL) {
				return &os.PathError{Op: "umount (detach)", Path: p, Err: err}
			}
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitLoopsFreed waits briefly for the loop devices bound to img to be
// released, clearing any that linger.
func waitLoopsFreed(ctx context.Context, img string, known []string) error {
	deadline := time.Now().Add(time.Second)
	// The devices the filesystem was mounted from are the ones to watch;
	// scanning every loop device on the host (there is one per task) is
	// the fallback for an image that was attached but never mounted.
	bound := func() []string {
		if len(known) == 0 {
			return loopsBackedBy(img)
		}
		var devs []string
		for _, d := range known {
			if loopBackedBy(d, img) {
				devs = append(devs, d)
			}
		}
		return devs
	}
	for {
		devs := bound()
		if len(devs) == 0 {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%v bound to %s", devs, img)
		}
		detachLoops(img)
		time.Sleep(5 * time.Millisecond)
	}
}

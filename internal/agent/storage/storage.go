// Package storage gives each Fargate task its ephemeral storage: a sparse
// file of the task's size, formatted ext4 and loop-mounted, holding the
// task's volumes and every container's writable layer. Because all of a
// task's writes land on that one filesystem, its size is a hard limit (a
// write beyond it fails with ENOSPC) and destroying it frees everything.
//
// Layout on the host, for a Manager with Root r:
//
//	r/<task-id>/ephemeral.img                    sparse image, ext4
//	r/<task-id>/fs/                              its mount point
//	r/<task-id>/fs/volumes/<volume>/             task volumes
//	r/<task-id>/fs/containers/<name>/{upper,work} overlay writable layers
//	r/<task-id>/fs/rootfs/<name>/                usual rootfs mount targets
//
// The mount targets are on the task's filesystem, not the host's: a fresh
// filesystem makes them cheaply, and they go with it. (Tasks from before
// have them at r/<task-id>/rootfs/<name>; Destroy finds both.)
package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/mountinfo"
)

// DefaultSizeGiB is Fargate's ephemeral storage when a task definition
// does not set ephemeralStorage.sizeInGiB.
const DefaultSizeGiB = 20

const (
	imageName  = "ephemeral.img"
	fsName     = "fs"
	rootfsName = "rootfs"
)

// ErrNotMounted is returned for a task whose ephemeral filesystem is not
// mounted (never created, or destroyed).
var ErrNotMounted = errors.New("ephemeral storage not mounted")

// Manager creates and destroys tasks' ephemeral storage under Root. The
// zero value (with Root set) is ready to use; it is safe for concurrent use,
// and calls for the same task are serialized.
type Manager struct {
	Root string       // e.g. <data-dir>/tasks
	Log  *slog.Logger // nil: slog.Default()

	locks keyedMutex
	tmpl  templates // formatted images to copy, by size (template.go)
}

// Volume is a task's mounted ephemeral filesystem.
type Volume struct {
	TaskID     string
	Image      string // the sparse image file
	Mountpoint string // where the ext4 filesystem is mounted
	Device     string // the loop device, e.g. /dev/loop3
	SizeBytes  int64  // the image's size; usable space is slightly less (ext4 metadata)
}

// Create makes, formats and mounts the task's ephemeral storage of sizeGiB
// (0 means DefaultSizeGiB). It is idempotent: when the task's filesystem is
// already mounted (a second call, or an agent restart) it is adopted as is.
// An image that exists but is not mounted is left over from a crash or a
// reboot; its task is gone, so it is formatted afresh.
func (m *Manager) Create(ctx context.Context, taskID string, sizeGiB int) (*Volume, error) {
	if sizeGiB == 0 {
		sizeGiB = DefaultSizeGiB
	}
	if sizeGiB < 0 {
		return nil, fmt.Errorf("storage: task %s: invalid size %d GiB", taskID, sizeGiB)
	}
	return m.create(ctx, taskID, int64(sizeGiB)<<30)
}

func (m *Manager) create(ctx context.Context, taskID string, size int64) (*Volume, error) {
	if err := validName("task id", taskID); err != nil {
		return nil, err
	}
	unlock := m.locks.lock(taskID)
	defer unlock()

	if err := os.MkdirAll(m.Root, 0o711); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	dir, err := m.taskDir(taskID)
	if err != nil {
		return nil, err
	}
	v := &Volume{
		TaskID:     taskID,
		Image:      filepath.Join(dir, imageName),
		Mountpoint: filepath.Join(dir, fsName),
		SizeBytes:  size,
	}
	if mounted, err := mountinfo.IsMountpoint(v.Mountpoint); err != nil {
		return nil, fmt.Errorf("storage: task %s: %w", taskID, err)
	} else if mounted {
		return m.adopt(v)
	}

	if err := m.format(ctx, v); err != nil {
		return nil, err
	}
	dev, err := mountImage(v.Image, v.Mountpoint)
	if err != nil {
		m.removeTaskDir(dir)
		return nil, fmt.Errorf("storage: task %s: %w", taskID, err)
	}
	v.Device = dev
	if err := makeLayout(v.Mountpoint); err != nil {
		_ = unmount(ctx, v.Mountpoint)
		m.removeTaskDir(dir)
		return nil, fmt.Errorf("storage: task %s: %w", taskID, err)
	}
	m.log().Debug("ephemeral storage created", "task", taskID, "size", size, "device", dev)
	return v, nil
}

// format writes a fresh sparse image with an ext4 filesystem on it (a copy
// of the size's template, template.go).
func (m *Manager) format(ctx context.Context, v *Volume) error {
	if err := os.MkdirAll(v.Mountpoint, 0o711); err != nil {
		return fmt.Errorf("storage: task %s: %w", v.TaskID, err)
	}
	// Unlink rather than truncate: a loop device still bound to an old
	// image keeps its own inode and cannot see or corrupt the new one. A
	// new task has no image yet, and no device to look for.
	if _, err := os.Stat(v.Image); err == nil {
		detachLoops(v.Image)
	}
	if err := os.Remove(v.Image); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: task %s: %w", v.TaskID, err)
	}
	if err := m.formatImage(ctx, v.Image, v.SizeBytes); err != nil {
		m.removeTaskDir(filepath.Dir(v.Image))
		return fmt.Errorf("storage: task %s: %w", v.TaskID, err)
	}
	return nil
}

// adopt fills in v from an already mounted filesystem.
func (m *Manager) adopt(v *Volume) (*Volume, error) {
	if st, err := os.Stat(v.Image); err == nil {
		v.SizeBytes = st.Size()
	}
	if mi, err := readMountinfo(); err == nil {
		if e, ok := mi.at(v.Mountpoint); ok {
			v.Device = e.source
		}
	}
	if err := makeLayout(v.Mountpoint); err != nil {
		return nil, fmt.Errorf("storage: task %s: %w", v.TaskID, err)
	}
	m.log().Debug("ephemeral storage adopted", "task", v.TaskID, "device", v.Device)
	return v, nil
}

// VolumePath returns the host directory of the task volume name, creating
// it. Every container mounting the volume shares it.
func (m *Manager) VolumePath(taskID, name string) (string, error) {
	if err := validName("task id", taskID); err != nil {
		return "", err
	}
	if err := validName("volume name", name); err != nil {
		return "", err
	}
	unlock := m.locks.lock(taskID)
	defer unlock()
	mnt, err := m.mountedFS(taskID)
	if err != nil {
		return "", err
	}
	p := filepath.Join(mnt, "volumes", name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		return "", fmt.Errorf("storage: task %s: %w", taskID, err)
	}
	return p, nil
}

// List returns the ids of the tasks with storage under Root, mounted or
// not, so that an agent starting up can destroy what no task owns.
func (m *Manager) List() ([]string, error) {
	ents, err := os.ReadDir(m.Root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Usage reports the bytes used and the usable size of the task's
// filesystem (statfs; with no reserved blocks, size-used is what the task
// can still write).
func (m *Manager) Usage(taskID string) (used, size int64, err error) {
	if err := validName("task id", taskID); err != nil {
		return 0, 0, err
	}
	mnt, err := m.mountedFS(taskID)
	if err != nil {
		return 0, 0, err
	}
	var st unix.Statfs_t
	if err := unix.Statfs(mnt, &st); err != nil {
		return 0, 0, fmt.Errorf("storage: task %s: statfs: %w", taskID, err)
	}
	bs := int64(st.Bsize)
	return int64(st.Blocks-st.Bfree) * bs, int64(st.Blocks) * bs, nil
}

// mountedFS returns the task's filesystem mount point, or ErrNotMounted:
// writing into an unmounted mount point would put task data on the host's
// disk, outside the task's limit.
func (m *Manager) mountedFS(taskID string) (string, error) {
	dir, err := m.taskDir(taskID)
	if err != nil {
		return "", err
	}
	mnt := filepath.Join(dir, fsName)
	ok, err := mountinfo.IsMountpoint(mnt)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("storage: task %s: %w", taskID, err)
	}
	if !ok {
		return "", fmt.Errorf("storage: task %s: %w", taskID, ErrNotMounted)
	}
	return mnt, nil
}

// taskDir is the task's directory with Root made absolute and free of
// symlinks, so that it compares equal to the paths the kernel reports in
// mountinfo and in loop devices' backing_file.
func (m *Manager) taskDir(taskID string) (string, error) {
	if m.Root == "" {
		return "", errors.New("storage: Manager.Root is not set")
	}
	root, err := filepath.Abs(m.Root)
	if err != nil {
		return "", fmt.Errorf("storage: %w", err)
	}
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	return filepath.Join(root, taskID), nil
}

// removeTaskDir removes what a failed Create left, provided nothing is
// mounted beneath it (RemoveAll would descend into a mount).
func (m *Manager) removeTaskDir(dir string) {
	if mi, err := readMountinfo(); err != nil || len(mi.under(dir)) > 0 {
		return
	}
	if err := os.RemoveAll(dir); err != nil {
		m.log().Warn("remove task storage dir", "dir", dir, "err", err)
	}
}

func (m *Manager) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}

func makeLayout(mnt string) error {
	for _, d := range []string{"volumes", "containers"} {
		if err := os.MkdirAll(filepath.Join(mnt, d), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// validName accepts a single, ordinary path element.
func validName(what, s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\x00") || len(s) > 255 {
		return fmt.Errorf("storage: invalid %s %q", what, s)
	}
	return nil
}

// CreateBytes is Create with the size in bytes. Test servers use it to give
// tasks small disks they can fill in a moment.
func (m *Manager) CreateBytes(ctx context.Context, taskID string, size int64) (*Volume, error) {
	if size <= 0 {
		return nil, fmt.Errorf("storage: task %s: invalid size %d bytes", taskID, size)
	}
	return m.create(ctx, taskID, size)
}

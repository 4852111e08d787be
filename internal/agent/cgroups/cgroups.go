// Package cgroups manages the cgroup v1 groups of Fargate tasks: one group
// per task under a parent (berth/<task-id>) carrying the task's cpu and
// memory limits, with each container's group a child of it
// (berth/<task-id>/<container>) that runc creates from Path. Limits on the
// task group bound the sum of its containers, which is what ECS's task-level
// cpu and memory mean.
//
// The group is made in every mounted v1 hierarchy a container uses (cpu,
// cpuacct, cpuset, memory, pids, blkio, devices, freezer), so that runc
// finds the whole parent chain ready.
package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// DefaultParent is the cgroup all tasks' groups live under.
	DefaultParent = "berth"
	// DefaultPidsMax bounds a task's processes and threads: high enough
	// for thread-heavy runtimes (a JVM may run thousands), low enough that
	// a fork bomb cannot exhaust the host's pid_max (32768 by default).
	DefaultPidsMax = 16384
	// cfsPeriodUs is the CFS bandwidth period; the quota is the task's
	// share of it.
	cfsPeriodUs = 100000
)

// Manager creates and removes tasks' cgroups. The zero value uses
// DefaultParent; it is safe for concurrent use on different tasks.
type Manager struct {
	Parent  string // e.g. "berth", or "berth-test-<id>" for a test; may be nested ("a/b")
	PidsMax int64  // per task; 0 means DefaultPidsMax
}

// Path is the cgroupsPath to give runc for a container of the task (the
// task's own group when container is ""): "/<parent>/<task>/<container>",
// relative to each hierarchy's root.
func (m *Manager) Path(taskID, container string) string {
	return "/" + path.Join(m.parent(), taskID, container)
}

// CreateTask creates the task's group in every hierarchy and sets its
// limits: cpuUnits as ECS counts them (1024 = one vCPU) become a CFS quota
// of cpuUnits/1024 of each 100 ms period, and cpu.shares for contention
// between tasks; memoryMiB becomes a hard limit on memory, and on memory
// plus swap so that a task cannot swap past it. 0 leaves that resource as
// it is: unlimited in a new group. Safe to call again, which rewrites the
// limits (shrinking memory below what the task uses fails with EBUSY).
func (m *Manager) CreateTask(taskID string, cpuUnits int, memoryMiB int) error {
	if err := m.valid(taskID, ""); err != nil {
		return err
	}
	if cpuUnits < 0 || memoryMiB < 0 {
		return fmt.Errorf("cgroups: task %s: negative cpu (%d) or memory (%d)", taskID, cpuUnits, memoryMiB)
	}
	hs, err := hierarchies()
	if err != nil {
		return err
	}
	existed := m.exists(hs, path.Join(m.parent(), taskID))
	if err := m.createTask(hs, taskID, cpuUnits, memoryMiB); err != nil {
		if !existed {
			_ = m.DeleteTask(taskID) // leave no half-configured group
		}
		return fmt.Errorf("cgroups: task %s: %w", taskID, err)
	}
	return nil
}

func (m *Manager) createTask(hs hierarchySet, taskID string, cpuUnits, memoryMiB int) error {
	rel := path.Join(m.parent(), taskID)
	for _, h := range hs.unique() {
		if err := h.mkdirAll(rel); err != nil {
			return err
		}
	}
	if cpuUnits > 0 {
		dir, ok := hs.dir("cpu", rel)
		if !ok {
			return errors.New("cpu controller not mounted")
		}
		quota := max(int64(cpuUnits)*cfsPeriodUs/1024, 1000) // the kernel's minimum quota is 1 ms
		if err := writeInt(dir, "cpu.cfs_period_us", cfsPeriodUs); err != nil {
			return err
		}
		if err := writeInt(dir, "cpu.cfs_quota_us", quota); err != nil {
			return err
		}
		if err := writeInt(dir, "cpu.shares", max(int64(cpuUnits), 2)); err != nil {
			return err
		}
	}
	if memoryMiB > 0 {
		dir, ok := hs.dir("memory", rel)
		if !ok {
			return errors.New("memory controller not mounted")
		}
		if err := setMemoryLimit(dir, int64(memoryMiB)<<20); err != nil {
			return err
		}
	}
	if dir, ok := hs.dir("pids", rel); ok {
		pidsMax := m.PidsMax
		if pidsMax == 0 {
			pidsMax = DefaultPidsMax
		}
		if err := writeInt(dir, "pids.max", pidsMax); err != nil {
			return err
		}
	}
	return nil
}

// setMemoryLimit sets memory.limit_in_bytes and, when swap accounting is
// on, memory.memsw.limit_in_bytes to the same value. The kernel insists
// that memory <= memsw at every step, so growing an existing limit has to
// raise memsw first, and shrinking has to lower memory first.
func setMemoryLimit(dir string, limit int64) error {
	_, err := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes"))
	hasMemsw := err == nil
	err = writeInt(dir, "memory.limit_in_bytes", limit)
	if err != nil && hasMemsw && errors.Is(err, unix.EINVAL) {
		if err := writeInt(dir, "memory.memsw.limit_in_bytes", limit); err != nil {
			return err
		}
		return writeInt(dir, "memory.limit_in_bytes", limit)
	}
	if err != nil || !hasMemsw {
		return err
	}
	return writeInt(dir, "memory.memsw.limit_in_bytes", limit)
}

// DeleteTask removes the task's group and its containers' groups from
// every hierarchy, deepest first. rmdir fails while a group still has
// processes, so it retries for a few seconds to let killed processes exit;
// it never kills anything itself. Safe to call twice, and for a task that
// has no group.
func (m *Manager) DeleteTask(taskID string) error {
	if err := m.valid(taskID, ""); err != nil {
		return err
	}
	hs, err := hierarchies()
	if err != nil {
		return err
	}
	rel := path.Join(m.parent(), taskID)
	var errs []error
	for _, h := range hs.all() {
		if err := removeTree(filepath.Join(h.mountpoint, rel), 5*time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cgroups: task %s: %w", taskID, err)
	}
	return nil
}

// removeTree rmdirs dir and every group below it, children first.
func removeTree(dir string, patience time.Duration) error {
	dirs, err := subgroups(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	deadline := time.Now().Add(patience)
	for i := len(dirs) - 1; i >= 0; i-- { // subgroups lists parents before children
		for {
			err := unix.Rmdir(dirs[i])
			if err == nil || errors.Is(err, unix.ENOENT) {
				break
			}
			if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
				return &os.PathError{Op: "rmdir", Path: dirs[i], Err: err}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// ListTasks returns the ids of the tasks with a group in any hierarchy, so
// that an agent starting up can remove those no task owns.
func (m *Manager) ListTasks() ([]string, error) {
	if err := m.validParent(); err != nil {
		return nil, err
	}
	hs, err := hierarchies()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, h := range hs.all() {
		ents, err := os.ReadDir(filepath.Join(h.mountpoint, m.parent()))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cgroups: %w", err)
		}
		for _, e := range ents {
			if e.IsDir() {
				seen[e.Name()] = true
			}
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

func (m *Manager) parent() string {
	if m.Parent == "" {
		return DefaultParent
	}
	return strings.Trim(m.Parent, "/")
}

// valid checks that the parent stays inside the hierarchy and that the task
// and container names are single path elements.
func (m *Manager) valid(taskID, container string) error {
	if err := m.validParent(); err != nil {
		return err
	}
	if !validName(taskID) {
		return fmt.Errorf("cgroups: invalid task id %q", taskID)
	}
	if container != "" && !validName(container) {
		return fmt.Errorf("cgroups: invalid container name %q", container)
	}
	return nil
}

func (m *Manager) validParent() error {
	for _, elem := range strings.Split(m.parent(), "/") {
		if !validName(elem) {
			return fmt.Errorf("cgroups: invalid parent %q", m.Parent)
		}
	}
	return nil
}

func validName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\x00\n") && len(s) <= 255
}

func writeInt(dir, file string, v int64) error {
	return writeFile(dir, file, strconv.FormatInt(v, 10))
}

// writeFile writes a cgroup control file, which must already exist (a
// missing one means the controller is absent, not a file to create).
func writeFile(dir, file, data string) error {
	p := filepath.Join(dir, file)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %q to %s: %w", data, p, err)
	}
	return nil
}

// RemoveParent removes the parent group from every hierarchy if no task
// group is left under it; with tasks still there it leaves it, and says so
// only by returning false. A server shutting down with nothing running
// uses it so that no empty group is left behind.
func (m *Manager) RemoveParent() (bool, error) {
	hs, err := hierarchies()
	if err != nil {
		return false, err
	}
	if tasks, err := m.ListTasks(); err != nil || len(tasks) > 0 {
		return false, err
	}
	var errs []error
	for _, h := range hs.all() {
		err := os.Remove(filepath.Join(h.mountpoint, m.parent()))
		if err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	return len(errs) == 0, errors.Join(errs...)
}

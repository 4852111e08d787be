package cgroups

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	mi "github.com/berth-dev/berth/internal/mountinfo"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// taskControllers are the v1 controllers a task's group is created in:
// those runc puts a container in, so that its parent exists everywhere.
var taskControllers = []string{"cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer"}

// hierarchy is one mounted v1 hierarchy; several controllers may share
// one (cpu,cpuacct is a common co-mount).
type hierarchy struct {
	mountpoint  string
	controllers []string
}

// hierarchySet maps a controller to its hierarchy. Two more keys name
// hierarchies without task controllers that runc still makes a container's
// group in: namedSystemd (the v1 "name=systemd" hierarchy) and unified (a
// cgroup2 mount beside the v1 ones). berth creates nothing there, but
// removes what runc left.
type hierarchySet map[string]*hierarchy

const (
	namedSystemd = "name=systemd"
	unified      = "cgroup2"
)

// hierarchies reads the mount table once: hierarchies are mounted at boot
// and do not move while the agent runs.
var hierarchies = sync.OnceValues(func() (hierarchySet, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("cgroups: %w", err)
	}
	hs := parseHierarchies(b)
	if len(hs) == 0 {
		return nil, errors.New("cgroups: no cgroup v1 controller is mounted")
	}
	return hs, nil
})

// parseHierarchies finds the v1 hierarchies of taskControllers in
// mountinfo (proc(5)): fstype "cgroup", controllers in the super options.
func parseHierarchies(mountinfo []byte) hierarchySet {
	hs := hierarchySet{}
	sc := bufio.NewScanner(bytes.NewReader(mountinfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := slices.Index(f, "-")
		if sep < 6 || sep+3 >= len(f) {
			continue
		}
		if f[sep+1] == "cgroup2" && hs[unified] == nil {
			hs[unified] = &hierarchy{mountpoint: mi.Unescape(f[4])}
			continue
		}
		if f[sep+1] != "cgroup" {
			continue
		}
		h := &hierarchy{mountpoint: mi.Unescape(f[4])}
		if slices.Contains(strings.Split(f[sep+3], ","), namedSystemd) && hs[namedSystemd] == nil {
			hs[namedSystemd] = h
			continue
		}
		for _, opt := range strings.Split(f[sep+3], ",") {
			if slices.Contains(taskControllers, opt) && hs[opt] == nil {
				h.controllers = append(h.controllers, opt)
			}
		}
		for _, c := range h.controllers {
			hs[c] = h
		}
	}
	return hs
}

// all returns unique's hierarchies and then those runc alone makes groups
// in (see hierarchySet): where leftovers are looked for and removed.
func (hs hierarchySet) all() []*hierarchy {
	out := hs.unique()
	for _, k := range []string{namedSystemd, unified} {
		if h := hs[k]; h != nil {
			out = append(out, h)
		}
	}
	return out
}

// unique returns each hierarchy of a task controller once, in a stable
// order.
func (hs hierarchySet) unique() []*hierarchy {
	var out []*hierarchy
	for _, c := range taskControllers {
		if h := hs[c]; h != nil && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// dir is the directory of group rel in controller c's hierarchy.
func (hs hierarchySet) dir(c, rel string) (string, bool) {
	h := hs[c]
	if h == nil {
		return "", false
	}
	return filepath.Join(h.mountpoint, rel), true
}

func (h *hierarchy) has(c string) bool { return slices.Contains(h.controllers, c) }

// mkdirAll creates group rel and any missing ancestors. In the cpuset
// hierarchy a new group starts with no cpus and no mems, and no process
// can join it; each level gets its parent's, and clone_children so that
// groups made below it later (runc's, or anyone's) inherit them.
func (h *hierarchy) mkdirAll(rel string) error {
	dir := h.mountpoint
	for _, elem := range strings.Split(rel, "/") {
		parent := dir
		dir = filepath.Join(dir, elem)
		if err := unix.Mkdir(dir, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			return &os.PathError{Op: "mkdir", Path: dir, Err: err}
		}
		if h.has("cpuset") {
			if err := initCpuset(parent, dir); err != nil {
				return err
			}
		}
	}
	return nil
}

func initCpuset(parent, dir string) error {
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		cur, err := readString(dir, f)
		if err != nil {
			return err
		}
		if cur != "" {
			continue
		}
		v, err := readString(parent, f)
		if err != nil {
			return err
		}
		if err := writeFile(dir, f, v); err != nil {
			return err
		}
	}
	return writeFile(dir, "cgroup.clone_children", "1")
}

package runtime

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// memoryCgroup locates the memory controller: the cgroup v1 "memory"
// hierarchy if one is mounted, else the cgroup v2 unified hierarchy.
var memoryCgroup = sync.OnceValues(func() (root string, v2 bool) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "/sys/fs/cgroup/memory", false
	}
	defer f.Close()
	var unified string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional…] - fstype source superoptions
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 5 || len(tail) < 3 {
			continue
		}
		switch tail[0] {
		case "cgroup":
			for _, o := range strings.Split(tail[2], ",") {
				if o == "memory" {
					return fields[4], false
				}
			}
		case "cgroup2":
			if unified == "" {
				unified = fields[4]
			}
		}
	}
	if unified != "" {
		return unified, true
	}
	return "/sys/fs/cgroup/memory", false
})

// memswAvailable: the v1 memory controller accounts swap, so
// memory.memsw.limit_in_bytes can be set (runc fails when it cannot).
var memswAvailable = sync.OnceValue(func() bool {
	root, v2 := memoryCgroup()
	if v2 {
		return true // memory.swap.max; runc translates
	}
	_, err := os.Stat(filepath.Join(root, "memory.memsw.limit_in_bytes"))
	return err == nil
})

// oomKills is how many processes the kernel OOM killer has killed in the
// memory cgroup at path (a spec's cgroupsPath). The counter belongs to the
// victim's own cgroup whether its limit or a parent's (the task's) was hit.
// It reads 0 when the cgroup is gone or the kernel has no counter (< 4.13).
func oomKills(cgroupsPath string) int64 {
	if cgroupsPath == "" || !filepath.IsAbs(cgroupsPath) {
		return 0
	}
	root, v2 := memoryCgroup()
	file, key := "memory.oom_control", "oom_kill"
	if v2 {
		file = "memory.events"
	}
	b, err := os.ReadFile(filepath.Join(root, filepath.Clean(cgroupsPath), file))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

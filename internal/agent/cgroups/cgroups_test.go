package cgroups

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// newManager returns a Manager with a parent of its own, removed (with
// every task under it) when the test ends.
func newManager(t *testing.T) *Manager {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (cgroups)")
	}
	hs, err := hierarchies()
	if err != nil {
		t.Skip(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	m := &Manager{Parent: "berth-test-" + hex.EncodeToString(b)}
	t.Cleanup(func() {
		ids, _ := m.ListTasks()
		for _, id := range ids {
			if err := m.DeleteTask(id); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
		for _, h := range hs.unique() {
			if err := removeTree(filepath.Join(h.mountpoint, m.parent()), time.Second); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	return m
}

// start runs a command in the container group c of the task (created in
// every hierarchy, as runc would), killed when the test ends.
func start(t *testing.T, m *Manager, task, c string, stdin io.Reader, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	hs, _ := hierarchies()
	rel := path.Join(m.parent(), task, c)
	for _, h := range hs.unique() {
		if err := h.mkdirAll(rel); err != nil {
			t.Fatal(err)
		}
		if err := writeFile(filepath.Join(h.mountpoint, rel), "cgroup.procs", strconv.Itoa(cmd.Process.Pid)); err != nil {
			t.Fatal(err)
		}
	}
	return cmd
}

func groupDir(t *testing.T, m *Manager, controller, task, c string) string {
	t.Helper()
	hs, _ := hierarchies()
	dir, ok := hs.dir(controller, path.Join(m.parent(), task, c))
	if !ok {
		t.Skipf("%s controller not mounted", controller)
	}
	return dir
}

func read(t *testing.T, dir, file string) string {
	t.Helper()
	s, err := readString(dir, file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCreateTaskLimits(t *testing.T) {
	m := newManager(t)
	const task = "0123456789abcdef0123456789abcdef"
	for range 2 { // CreateTask is safe to repeat
		if err := m.CreateTask(task, 512, 1024); err != nil {
			t.Fatal(err)
		}
	}
	cpu := groupDir(t, m, "cpu", task, "")
	for file, want := range map[string]string{
		"cpu.cfs_period_us": "100000",
		"cpu.cfs_quota_us":  "50000",
		"cpu.shares":        "512",
	} {
		if got := read(t, cpu, file); got != want {
			t.Errorf("%s = %s, want %s", file, got, want)
		}
	}
	mem := groupDir(t, m, "memory", task, "")
	if got := read(t, mem, "memory.limit_in_bytes"); got != strconv.Itoa(1024<<20) {
		t.Errorf("memory.limit_in_bytes = %s", got)
	}
	if s, err := readString(mem, "memory.memsw.limit_in_bytes"); err == nil && s != strconv.Itoa(1024<<20) {
		t.Errorf("memory.memsw.limit_in_bytes = %s", s)
	}
	if got := read(t, groupDir(t, m, "pids", task, ""), "pids.max"); got != strconv.Itoa(DefaultPidsMax) {
		t.Errorf("pids.max = %s", got)
	}
	cpuset := groupDir(t, m, "cpuset", task, "")
	root := filepath.Dir(filepath.Dir(cpuset))
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		if got, want := read(t, cpuset, f), read(t, root, f); got != want || got == "" {
			t.Errorf("%s = %q, want the root's %q", f, got, want)
		}
	}

	// Growing and shrinking the memory limit both work, whatever the
	// order the kernel wants memory and memsw written in.
	for _, mib := range []int{4096, 256} {
		if err := m.CreateTask(task, 2048, mib); err != nil {
			t.Fatal(err)
		}
		if got := read(t, mem, "memory.limit_in_bytes"); got != strconv.Itoa(mib<<20) {
			t.Errorf("memory.limit_in_bytes = %s, want %d MiB", got, mib)
		}
	}
	if got := read(t, cpu, "cpu.cfs_quota_us"); got != "200000" {
		t.Errorf("2 vCPU quota = %s, want 200000", got)
	}

	if got := m.Path(task, "web"); got != "/"+m.Parent+"/"+task+"/web" {
		t.Errorf("Path = %s", got)
	}
	if ids, err := m.ListTasks(); err != nil || len(ids) != 1 || ids[0] != task {
		t.Errorf("ListTasks = %v, %v", ids, err)
	}
	if err := m.DeleteTask(task); err != nil {
		t.Fatal(err)
	}
	if err := m.DeleteTask(task); err != nil {
		t.Errorf("second DeleteTask: %v", err)
	}
	if ids, err := m.ListTasks(); err != nil || len(ids) != 0 {
		t.Errorf("ListTasks after delete = %v, %v", ids, err)
	}
}

func TestProcessStatsAndDelete(t *testing.T) {
	m := newManager(t)
	const task = "t1"
	if err := m.CreateTask(task, 512, 1024); err != nil {
		t.Fatal(err)
	}
	sleep := start(t, m, task, "sleeper", nil, "sleep", "30")
	burn := start(t, m, task, "burner", nil, "sh", "-c", "while :; do :; done")

	// The busy loop wants a whole CPU; the task's quota is half of one.
	deadline := time.Now().Add(10 * time.Second)
	var ts Stats
	for {
		var err error
		if ts, err = m.Stats(task, ""); err != nil {
			t.Fatal(err)
		}
		if ts.CPU.ThrottledPeriods > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ts.CPU.ThrottledPeriods == 0 || ts.CPU.ThrottledTimeNs == 0 {
		t.Errorf("task not throttled: %+v", ts.CPU)
	}
	if ts.CPU.QuotaUs != 50000 || ts.CPU.PeriodUs != 100000 {
		t.Errorf("quota %d / period %d", ts.CPU.QuotaUs, ts.CPU.PeriodUs)
	}
	if ts.Memory.Limit != 1024<<20 || ts.Memory.Usage == 0 || len(ts.Memory.Stat) == 0 {
		t.Errorf("task memory: %+v", ts.Memory)
	}
	if ts.Pids.Current != 2 || ts.Pids.Limit != DefaultPidsMax {
		t.Errorf("task pids = %+v, want 2 of %d", ts.Pids, DefaultPidsMax)
	}

	bs, err := m.Stats(task, "burner")
	if err != nil {
		t.Fatal(err)
	}
	if bs.CPU.UsageNs == 0 || len(bs.CPU.PerCPUNs) == 0 || bs.CPU.UserNs+bs.CPU.SystemNs == 0 {
		t.Errorf("burner cpu: %+v", bs.CPU)
	}
	ts2, _ := m.Stats(task, "")
	if ts2.CPU.UsageNs < bs.CPU.UsageNs {
		t.Errorf("task usage %d < its container's %d", ts2.CPU.UsageNs, bs.CPU.UsageNs)
	}
	ss, err := m.Stats(task, "sleeper")
	if err != nil {
		t.Fatal(err)
	}
	if ss.Pids.Current != 1 || ss.Pids.Limit != 0 {
		t.Errorf("sleeper pids = %+v, want 1, unlimited", ss.Pids)
	}
	if _, err := m.Stats(task, "nosuch"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stats of a missing group: %v", err)
	}
	if killed, err := m.OOMKilled(task, ""); err != nil || killed {
		t.Errorf("OOMKilled = %v, %v", killed, err)
	}

	// DeleteTask waits for killed processes to leave.
	_ = sleep.Process.Kill()
	_ = burn.Process.Kill()
	if err := m.DeleteTask(task); err != nil {
		t.Fatal(err)
	}
	if ids, _ := m.ListTasks(); len(ids) != 0 {
		t.Errorf("ListTasks after delete = %v", ids)
	}
}

func TestOOMKilled(t *testing.T) {
	m := newManager(t)
	const task = "oom"
	if err := m.CreateTask(task, 256, 32); err != nil {
		t.Fatal(err)
	}
	start(t, m, task, "idle", nil, "sleep", "30")
	// The shell joins the group, then dd allocates a 128 MiB buffer and
	// fills it: four times the task's memory.
	pr, pw := io.Pipe()
	hog := start(t, m, task, "hog", pr, "sh", "-c", "read x; exec dd if=/dev/zero of=/dev/null bs=128M count=1")
	if _, err := pw.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	err := hog.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("hog ended with %v, want SIGKILL", err)
	}
	for _, tc := range []struct {
		container string
		want      bool
	}{{"hog", true}, {"", true}, {"idle", false}} {
		got, err := m.OOMKilled(task, tc.container)
		if err != nil || got != tc.want {
			t.Errorf("OOMKilled(%q) = %v, %v; want %v", tc.container, got, err, tc.want)
		}
	}
	s, err := m.Stats(task, "hog")
	if err != nil || s.Memory.OOMKills == 0 {
		t.Errorf("hog Stats: OOMKills %d, %v", s.Memory.OOMKills, err)
	}
	// failcnt is not asserted: recent kernels (6.18 here) leave it at 0.
	if s, _ := m.Stats(task, ""); s.Memory.MaxUsage < 30<<20 {
		t.Errorf("task memory: max usage %d, want about the 32 MiB limit", s.Memory.MaxUsage)
	}
}

func TestValidation(t *testing.T) {
	for _, tc := range []struct {
		m          Manager
		task, cont string
	}{
		{Manager{}, "", ""},
		{Manager{}, "..", ""},
		{Manager{}, "a/b", ""},
		{Manager{}, "t", "../x"},
		{Manager{Parent: "../etc"}, "t", ""},
		{Manager{Parent: "a//b"}, "t", ""},
	} {
		if err := tc.m.valid(tc.task, tc.cont); err == nil {
			t.Errorf("%+v task %q container %q accepted", tc.m, tc.task, tc.cont)
		}
	}
	if err := (&Manager{Parent: "/a/b/"}).valid("t", "c"); err != nil {
		t.Error(err)
	}
	if got := (&Manager{}).Path("t", ""); got != "/berth/t" {
		t.Errorf("default Path = %s", got)
	}
}

func TestParseHierarchies(t *testing.T) {
	in := []byte(`30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct
31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
32 25 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
33 25 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
34 25 0:30 / /other\040mnt rw - cgroup cgroup rw,pids
`)
	hs := parseHierarchies(in)
	if hs["cpu"] == nil || hs["cpu"] != hs["cpuacct"] || hs["cpu"].mountpoint != "/sys/fs/cgroup/cpu,cpuacct" {
		t.Errorf("cpu,cpuacct: %+v %+v", hs["cpu"], hs["cpuacct"])
	}
	if len(hs.unique()) != 3 {
		t.Errorf("unique = %d hierarchies, want 3", len(hs.unique()))
	}
	if all := hs.all(); len(all) != 5 || all[3].mountpoint != "/sys/fs/cgroup/systemd" || all[4].mountpoint != "/sys/fs/cgroup/unified" {
		t.Errorf("all: %d hierarchies, the last %+v", len(all), all[len(all)-1])
	}
	if hs["pids"] == nil || hs["pids"].mountpoint != "/other mnt" {
		t.Errorf("pids: %+v", hs["pids"])
	}
	if hs["freezer"] != nil {
		t.Error("freezer found where none is mounted")
	}
}

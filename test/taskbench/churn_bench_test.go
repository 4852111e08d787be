package taskbench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostState counts what tasks make on this host: namespaces, links,
// routes, mounts, loop devices, cgroups, and berth's own task state.
func hostState(b *testing.B) map[string]int {
	b.Helper()
	number := func(script string) int {
		out, _ := exec.Command("sh", "-c", script).Output()
		n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		return n
	}
	entries := func(dir string) int { // hidden ones are berth's bookkeeping
		es, _ := os.ReadDir(dir)
		n := 0
		for _, e := range es {
			if !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
		return n
	}
	cg, _ := filepath.Glob("/sys/fs/cgroup/memory/" + os.Getenv("BERTH_CONTAINERD_NAMESPACE") + "/*/")
	return map[string]int{
		"netns":             entries("/var/run/netns"),
		"host links":        entries("/sys/class/net"),
		"host routes":       number("ip -4 route show table all | wc -l"),
		"nft tables":        number("nft list tables 2>/dev/null | wc -l"),
		"mounts":            number("wc -l </proc/self/mountinfo"),
		"loop devices":      number("losetup -a | wc -l"),
		"task cgroups":      len(cg),
		"task dirs":         entries(filepath.Join(srv.DataDir, "tasks")),
		"task network dirs": entries(filepath.Join(srv.DataDir, "network")),
		"processes":         number("ls /proc | grep -c '^[0-9]'"),
	}
}

// BenchmarkChurn runs 1,000 tasks (ten waves of 100: launched, RUNNING,
// stopped) and fails if anything they made is left on the host: the
// "nothing leaks after 1,000 task runs" check. It reports the rate of
// whole task lives.
func BenchmarkChurn(b *testing.B) {
	c := setup(b)
	for b.Loop() {
		b.StopTimer()
		before := hostState(b)
		b.StartTimer()
		t0 := time.Now()
		for range 10 {
			var arns []string
			for range 10 {
				arns = append(arns, runTasks(b, c, 10)...)
			}
			waitAll(b, c, arns, "RUNNING")
			stopAll(b, c, arns)
		}
		b.ReportMetric(1000/time.Since(t0).Seconds(), "task-lives/s")
		b.StopTimer()
		deadline := time.Now().Add(30 * time.Second)
		for {
			after := hostState(b)
			var leaks []string
			for k, v := range after {
				// processes come and go on their own; allow a little
				if k == "processes" && v <= before[k]+5 || k != "processes" && v <= before[k] {
					continue
				}
				leaks = append(leaks, k)
			}
			if len(leaks) == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("left after 1,000 tasks: %v (before %v, after %v)", leaks, before, after)
			}
			time.Sleep(500 * time.Millisecond)
		}
		b.StartTimer()
	}
}

package tmds

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of /proc/stat (100 on every Linux ABI).
const clockTicks = 100

// readProcStat returns the host's cpu time in nanoseconds and the number
// of online cpus as Docker computes system_cpu_usage and online_cpus: the
// sum of the first seven fields of /proc/stat's "cpu" line (user, nice,
// system, idle, iowait, irq, softirq), and the count of its "cpuN" lines.
func readProcStat(path string) (systemNs uint64, cpus uint32, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	found := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if f[0] != "cpu" {
			cpus++
			continue
		}
		if len(f) < 8 {
			return 0, 0, fmt.Errorf("%s: cpu line has %d fields, want at least 8", path, len(f))
		}
		var ticks uint64
		for _, v := range f[1:8] {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("%s: cpu line: %w", path, err)
			}
			ticks += n
		}
		systemNs = ticks * (1e9 / clockTicks)
		found = true
	}
	if !found {
		return 0, 0, fmt.Errorf("%s: no cpu line", path)
	}
	return systemNs, cpus, sc.Err()
}

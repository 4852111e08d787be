package tmds

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/network/namespace"
)

// ReadNetDev reads the interface counters of the network namespace pinned
// at nsPath (e.g. /var/run/netns/berth-<task>) from /proc/net/dev as a
// thread in the namespace sees it; the names are the kernel's (lo,
// eth0). It needs CAP_SYS_ADMIN to enter the namespace.
func ReadNetDev(nsPath string) (map[string]NetCounters, error) {
	f, err := os.Open(nsPath)
	if err != nil {
		return nil, fmt.Errorf("network counters: %w", err)
	}
	defer f.Close()
	var b []byte
	err = namespace.Do(int(f.Fd()), func() error {
		var err error
		b, err = os.ReadFile("/proc/thread-self/net/dev")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("network counters of %s: %w", nsPath, err)
	}
	return parseNetDev(b)
}

// parseNetDev parses /proc/net/dev: two header lines, then per interface
// "name: rx_bytes rx_packets rx_errs rx_drop fifo frame compressed
// multicast tx_bytes tx_packets tx_errs tx_drop …".
func parseNetDev(b []byte) (map[string]NetCounters, error) {
	out := map[string]NetCounters{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue // a header line
		}
		f := strings.Fields(rest)
		if len(f) < 12 {
			return nil, fmt.Errorf("/proc/net/dev: %s: %d fields, want 16", strings.TrimSpace(name), len(f))
		}
		var v [12]uint64
		for i := range v {
			n, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("/proc/net/dev: %s: %w", strings.TrimSpace(name), err)
			}
			v[i] = n
		}
		out[strings.TrimSpace(name)] = NetCounters{
			RxBytes: v[0], RxPackets: v[1], RxErrors: v[2], RxDropped: v[3],
			TxBytes: v[8], TxPackets: v[9], TxErrors: v[10], TxDropped: v[11],
		}
	}
	return out, sc.Err()
}

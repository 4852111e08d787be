package tmds

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/network/namespace"
)

func TestParseNetDev(t *testing.T) {
	const dev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0
  eth0: 1234567    8901    1    2    0     0          0         3   765432     4321    4    5    0     0       0          0
`
	got, err := parseNetDev([]byte(dev))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]NetCounters{
		"lo":   {RxBytes: 140, RxPackets: 2, TxBytes: 140, TxPackets: 2},
		"eth0": {RxBytes: 1234567, RxPackets: 8901, RxErrors: 1, RxDropped: 2, TxBytes: 765432, TxPackets: 4321, TxErrors: 4, TxDropped: 5},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := parseNetDev([]byte("eth0: 1 2 3\n")); err == nil {
		t.Error("a short line parsed")
	}
	if _, err := parseNetDev([]byte("eth0: 1 2 3 4 5 6 7 8 9 10 11 x 0 0 0 0\n")); err == nil {
		t.Error("a bad number parsed")
	}
}

// TestReadNetDev reads the counters of a namespace made for the test:
// only lo, as a new namespace has.
func TestReadNetDev(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces)")
	}
	path := filepath.Join(t.TempDir(), "ns")
	if err := namespace.Create(path, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := namespace.Unpin(path); err != nil {
			t.Error(err)
		}
	})
	got, err := ReadNetDev(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["lo"]; !ok || len(got) != 1 {
		t.Errorf("counters %v, want lo alone", got)
	}
	host, err := os.ReadFile("/proc/self/net/dev")
	if err == nil {
		if hc, _ := parseNetDev(host); len(hc) == 1 {
			t.Log("the host has only lo too: the test cannot tell the namespaces apart")
		}
	}
	if _, err := ReadNetDev(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing namespace read")
	}
}

func TestReadProcStat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stat")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// user nice system idle iowait irq softirq steal guest guest_nice:
	// Docker sums the first seven.
	write("cpu  100 2 30 400 5 6 7 1000 0 0\ncpu0 50 1 15 200 2 3 3 500 0 0\ncpu1 50 1 15 200 3 3 4 500 0 0\ncpu3 0 0 0 0 0 0 0 0 0 0\nintr 1\n")
	ns, cpus, err := readProcStat(path)
	if err != nil || ns != 550*10_000_000 || cpus != 3 {
		t.Errorf("got %d ns, %d cpus, %v; want 5.5e9 ns, 3 cpus", ns, cpus, err)
	}
	for _, bad := range []string{"intr 1\n", "cpu 1 2 3\n", "cpu 1 2 3 4 5 6 x 8\n"} {
		write(bad)
		if _, _, err := readProcStat(path); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, _, err := readProcStat("/proc/stat"); err != nil {
		t.Errorf("the host's /proc/stat: %v", err)
	}
}

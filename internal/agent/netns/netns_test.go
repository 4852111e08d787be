package netns

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/network/namespace"
)

func TestSetupTeardown(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ctx := context.Background()
	id := "test" + strings.ReplaceAll(t.Name(), "/", "-")
	n := Isolated{}
	before, _ := os.Readlink("/proc/self/ns/net")
	t.Cleanup(func() { _ = n.Teardown(ctx, id) })
	for range 2 { // idempotent
		path, err := n.Setup(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if path != Path(id) || !namespace.Pinned(path) {
			t.Fatalf("path %s pinned %v", path, namespace.Pinned(path))
		}
	}
	// iproute2 sees it, and inside it lo is up and nothing else exists.
	out, err := exec.Command("ip", "-n", Name(id), "-o", "link").CombinedOutput()
	if err != nil {
		t.Fatalf("ip -n: %v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "lo:") || !strings.Contains(lines[0], "UP") {
		t.Fatalf("links in the namespace: %q", out)
	}
	// The calling process is still in the host's namespace.
	if after, _ := os.Readlink("/proc/self/ns/net"); after != before {
		t.Fatalf("process left in namespace %s (was %s)", after, before)
	}
	ids, err := List()
	if err != nil || !slices.Contains(ids, id) {
		t.Fatalf("List = %v, %v", ids, err)
	}
	for range 2 {
		if err := n.Teardown(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(Path(id)); !os.IsNotExist(err) {
		t.Fatalf("namespace still pinned: %v", err)
	}
}

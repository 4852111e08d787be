package netns

import (
	"context"
	"os"
	"slices"
	"testing"
)

func TestSetupTeardown(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ctx := context.Background()
	id := "test" + t.Name()
	n := Isolated{}
	t.Cleanup(func() { _ = n.Teardown(ctx, id) })
	for range 2 { // idempotent
		path, err := n.Setup(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if path != Path(id) {
			t.Fatalf("path %s", path)
		}
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

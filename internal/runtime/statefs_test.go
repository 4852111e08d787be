package runtime

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestStateOnTmpfs: our containerd's bundles and runc's state are on a
// tmpfs that outlives a Close with containers running, and goes with the
// last of them.
func TestStateOnTmpfs(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	state, runcRoot := stateDirs(e.cfg.StateDir)
	if ok, err := isTmpfs(state); !ok || err != nil {
		t.Fatalf("state dir is a tmpfs: %v, %v", ok, err)
	}
	spec := e.spec("on-tmpfs", "sleep", "60")
	e.run(spec)
	if _, err := os.Stat(filepath.Join(runcRoot, e.cfg.Namespace, spec.ID, "state.json")); err != nil {
		t.Fatalf("runc's state is not under %s: %v", runcRoot, err)
	}

	e.close()
	if ok, _ := isTmpfs(state); !ok {
		t.Fatal("state tmpfs unmounted with a container running")
	}
	rt := e.open()
	assertStatus(t, rt, spec.ID, StatusRunning)
	if err := rt.Delete(context.Background(), spec.ID); err != nil {
		t.Fatal(err)
	}
	e.close()
	if ok, _ := isTmpfs(state); ok {
		t.Fatal("state tmpfs still mounted with no container left")
	}
}

func TestStateTmpfsKeepsBundlesOnDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, tc := range []struct {
		name    string
		bundle  bool
		mounted bool
	}{
		{"empty", false, true},
		{"namespace without bundles", false, true},
		{"bundle of a running container", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), stateName)
			ns := filepath.Join(dir, bundlesDir, "berth")
			if tc.name != "empty" {
				if err := os.MkdirAll(ns, 0o711); err != nil {
					t.Fatal(err)
				}
			}
			if tc.bundle {
				if err := os.Mkdir(filepath.Join(ns, "task-app"), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			mounted, err := mountStateTmpfs(dir)
			if err != nil || mounted != tc.mounted {
				t.Fatalf("mountStateTmpfs = %v, %v; want %v", mounted, err, tc.mounted)
			}
			if again, err := mountStateTmpfs(dir); err != nil || again != mounted {
				t.Fatalf("second mountStateTmpfs = %v, %v", again, err)
			}
			if err := unmountStateTmpfs(dir); err != nil {
				t.Fatal(err)
			}
			if ok, _ := isTmpfs(dir); ok {
				t.Fatal("still mounted")
			}
			if tc.bundle {
				if _, err := os.Stat(filepath.Join(ns, "task-app")); err != nil {
					t.Fatalf("the bundle on disk: %v", err)
				}
			}
		})
	}
}

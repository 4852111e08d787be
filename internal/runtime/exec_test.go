package runtime

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExec(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	ctx := context.Background()

	spec := e.spec("exec-target", "sleep", "60")
	spec.Env = []string{"FROM_SPEC=yes"}
	spec.Cwd = "/tmp"
	spec.User = "app"
	e.run(spec)

	// stdout and stderr are copied apart: their order in out is not kept.
	code, out, err := e.rt.Exec(ctx, spec.ID, []string{"sh", "-c", "echo $FROM_SPEC $(pwd) $(id -u); echo oops >&2; exit 4"}, 5*time.Second)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	slices.Sort(lines)
	if err != nil || code != 4 || !slices.Equal(lines, []string{"oops", "yes /tmp 1000"}) {
		t.Errorf("Exec = %d, %q, %v; want 4 and the lines \"yes /tmp 1000\" and \"oops\"", code, out, err)
	}
	code, out, err = e.rt.Exec(ctx, spec.ID, []string{"true"}, 0)
	if err != nil || code != 0 || len(out) != 0 {
		t.Errorf("Exec true = %d, %q, %v", code, out, err)
	}

	// Output is capped.
	_, out, err = e.rt.Exec(ctx, spec.ID, []string{"sh", "-c", "head -c 200000 /dev/zero | tr '\\000' a"}, 5*time.Second)
	if err != nil || len(out) != maxExecOutput || strings.Trim(string(out), "a") != "" {
		t.Errorf("big Exec: %d bytes, %v", len(out), err)
	}

	start := time.Now()
	code, _, err = e.rt.Exec(ctx, spec.ID, []string{"sleep", "30"}, 300*time.Millisecond)
	if !errors.Is(err, ErrExecTimeout) || code != -1 || time.Since(start) > 5*time.Second {
		t.Errorf("Exec past timeout = %d, %v after %s; want ErrExecTimeout quickly", code, err, time.Since(start))
	}
	if _, _, err := e.rt.Exec(ctx, spec.ID, []string{"/no/such/binary"}, time.Second); err == nil {
		t.Error("Exec of a missing binary succeeded")
	}
	if _, _, err := e.rt.Exec(ctx, "nope", []string{"true"}, time.Second); !errors.Is(err, ErrNotFound) {
		t.Errorf("Exec in a missing container = %v, want ErrNotFound", err)
	}
	// The container itself is unharmed.
	assertStatus(t, e.rt, spec.ID, StatusRunning)
}

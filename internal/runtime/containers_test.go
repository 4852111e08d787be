package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const waitLimit = 20 * time.Second

func TestRunExitCodeAndOutput(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	ctx := context.Background()

	spec := e.spec("exit-code", "sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3")
	spec.Labels = map[string]string{"berth.task": "t1"}
	if err := e.rt.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	assertStatus(t, e.rt, spec.ID, StatusCreated)
	ch, err := e.rt.Wait(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := e.rt.Start(ctx, spec.ID)
	if err != nil || pid == 0 {
		t.Fatalf("Start = %d, %v", pid, err)
	}
	st := exit(t, ch, waitLimit)
	if st.Code != 3 || st.OOMKilled || st.ExitedAt.IsZero() {
		t.Errorf("exit = %+v, want code 3, not OOM, a time", st)
	}
	fileEventually(t, spec.StdoutPath, "to-stdout\n")
	fileEventually(t, spec.StderrPath, "to-stderr\n")
	info := assertStatus(t, e.rt, spec.ID, StatusStopped)
	if info.Labels["berth.task"] != "t1" || info.Image != testImageName {
		t.Errorf("List entry = %+v", info)
	}
	// Waiting again after the exit reports it again.
	if st2 := exit(t, mustWait(t, e.rt, spec.ID), waitLimit); st2.Code != 3 {
		t.Errorf("second wait = %+v", st2)
	}
}

func TestEnvCwdUser(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	for _, tc := range []struct{ user, want string }{
		{"", "0:0 0"},
		{"app", "1000:1000 1000 2000"},
		{"1000", "1000:1000 1000 2000"},
		{"1234:5678", "1234:5678 5678"},
		{"app:extra", "1000:2000 2000"},
	} {
		t.Run("user="+tc.user, func(t *testing.T) {
			spec := e.spec("env-"+randHex(4), "sh", "-c", `echo "$FOO|$IMAGE_VAR|$(pwd)|$(id -u):$(id -g) $(id -G)|$(hostname)"`)
			spec.Env = []string{"FOO=bar baz", "IMAGE_VAR=overridden"}
			spec.Cwd = "/tmp"
			spec.User = tc.user
			spec.Hostname = "task-host"
			if st := exit(t, e.run(spec), waitLimit); st.Code != 0 {
				t.Fatalf("exit %d; stderr %s", st.Code, readFile(spec.StderrPath))
			}
			fileEventually(t, spec.StdoutPath, "bar baz|overridden|/tmp|"+tc.want+"|task-host\n")
		})
	}
	spec := e.spec("no-such-user", "true")
	spec.User = "nobody-here"
	if err := e.rt.Create(context.Background(), spec); err == nil {
		t.Error("Create with an unknown user name succeeded")
	}
	assertGone(t, e.rt, spec.ID)
}

func TestSignal(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	ctx := context.Background()

	// PID 1 of a pid namespace cannot be killed by SIGTERM (only by
	// SIGKILL), as on ECS; like an init (tini, initProcessEnabled) this one
	// forwards it to its child and exits with the child's 128+15.
	term := e.spec("sigterm", "sh", "-c", `sleep 60 & child=$!; trap 'kill -TERM $child; wait $child; exit $?' TERM; echo ready; wait`)
	termC := e.run(term)
	fileEventually(t, term.StdoutPath, "ready\n")
	if err := e.rt.Signal(ctx, term.ID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if st := exit(t, termC, waitLimit); st.Code != 143 {
		t.Errorf("after SIGTERM: %+v, want 143", st)
	}

	kill := e.spec("sigkill", "sleep", "60")
	killC := e.run(kill)
	if err := e.rt.Signal(ctx, kill.ID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if st := exit(t, killC, waitLimit); st.Code != 137 || st.OOMKilled {
		t.Errorf("after SIGKILL: %+v, want 137, not OOM", st)
	}
	if err := e.rt.Signal(ctx, kill.ID, syscall.SIGTERM); !errors.Is(err, ErrNotFound) {
		t.Errorf("Signal to an exited container = %v, want ErrNotFound", err)
	}
	if err := e.rt.Signal(ctx, "nope", syscall.SIGTERM); !errors.Is(err, ErrNotFound) {
		t.Errorf("Signal to a missing container = %v, want ErrNotFound", err)
	}
}

func TestDeleteIdempotent(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	ctx := context.Background()

	running := e.spec("delete-running", "sleep", "60")
	ch := e.run(running)
	created := e.spec("delete-created", "true")
	if err := e.rt.Create(ctx, created); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{running.ID, created.ID} {
		for i := 0; i < 2; i++ {
			if err := e.rt.Delete(ctx, id); err != nil {
				t.Fatalf("Delete #%d of %s: %v", i+1, id, err)
			}
		}
		assertGone(t, e.rt, id)
	}
	if st := <-ch; st.Err == nil && st.Code != 137 {
		t.Errorf("wait on a deleted container = %+v", st)
	}
	if err := e.rt.Delete(ctx, "never-existed"); err != nil {
		t.Errorf("Delete of a missing container: %v", err)
	}
	if _, err := e.rt.Wait(ctx, "never-existed"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Wait on a missing container = %v, want ErrNotFound", err)
	}
	if _, err := e.rt.Start(ctx, "never-existed"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Start of a missing container = %v, want ErrNotFound", err)
	}
}

func TestCreateErrors(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	ctx := context.Background()
	for name, mutate := range map[string]func(*ContainerSpec){
		"no args":        func(s *ContainerSpec) { s.Args = nil },
		"bad id":         func(s *ContainerSpec) { s.ID = "a/b" },
		"missing image":  func(s *ContainerSpec) { s.Image = "nope:1" },
		"init, no path":  func(s *ContainerSpec) { s.Init = true },
		"unknown ulimit": func(s *ContainerSpec) { s.Ulimits = []Ulimit{{Name: "bogus", Soft: 1, Hard: 1}} },
		"relative mount": func(s *ContainerSpec) { s.Mounts = []Mount{{Source: "x", Destination: "/x"}} },
	} {
		spec := e.spec("bad-"+randHex(3), "true")
		mutate(&spec)
		err := e.rt.Create(ctx, spec)
		if err == nil {
			t.Errorf("%s: Create succeeded", name)
		}
		if name == "missing image" && !errors.Is(err, ErrImageNotFound) {
			t.Errorf("%s: %v, want ErrImageNotFound", name, err)
		}
	}
	if cs, _ := e.rt.List(ctx); len(cs) != 0 {
		t.Errorf("failed creates left containers: %+v", cs)
	}
	spec := e.spec("dup", "true")
	if err := e.rt.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if err := e.rt.Create(ctx, spec); err == nil {
		t.Error("second Create with the same id succeeded")
	}
	assertStatus(t, e.rt, "dup", StatusCreated) // and the first is intact
}

func TestReadonlyRootfsAndMounts(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	shared := t.TempDir()

	writer := e.spec("writer", "sh", "-c", "echo hello > /data/greeting && touch /rootfs-file; echo rc=$?")
	writer.ReadonlyRootfs = true
	writer.Mounts = []Mount{{Source: shared, Destination: "/data"}}
	if st := exit(t, e.run(writer), waitLimit); st.Code != 0 {
		t.Fatalf("writer exit %d", st.Code)
	}
	fileEventually(t, writer.StdoutPath, "rc=1\n")
	if !strings.Contains(readFile(writer.StderrPath), "Read-only file system") {
		t.Errorf("writer stderr = %q, want a read-only error", readFile(writer.StderrPath))
	}

	reader := e.spec("reader", "sh", "-c", "cat /in/greeting; echo x > /in/other || echo ro-ok")
	reader.Mounts = []Mount{{Source: shared, Destination: "/in", ReadOnly: true}}
	if st := exit(t, e.run(reader), waitLimit); st.Code != 0 {
		t.Fatalf("reader exit %d", st.Code)
	}
	fileEventually(t, reader.StdoutPath, "hello\nro-ok\n")
	if got := readFile(filepath.Join(shared, "greeting")); got != "hello\n" {
		t.Errorf("host sees %q", got)
	}
}

func TestUlimitsAndInit(t *testing.T) {
	e := newTestEnv(t)
	// A stand-in for `berth init`: checks its calling convention, then runs
	// the command.
	initPath := filepath.Join(t.TempDir(), "init")
	script := "#!/bin/sh\n[ \"$0\" = " + InitMountPath + " ] && [ \"$1\" = init ] && [ \"$2\" = -- ] || exit 99\nshift 2\necho init-ok\nexec \"$@\"\n"
	if err := os.WriteFile(initPath, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e.close()
	e.cfg.InitPath = initPath
	e.open()
	e.importTestImage()

	spec := e.spec("ulimits", "sh", "-c", "echo $(ulimit -n) $(ulimit -Hn) $(ulimit -u)")
	spec.Ulimits = []Ulimit{{Name: "nofile", Soft: 4096, Hard: 8192}, {Name: "nproc", Soft: 300, Hard: 300}}
	spec.Init = true
	if st := exit(t, e.run(spec), waitLimit); st.Code != 0 {
		t.Fatalf("exit %d, stderr %q", st.Code, readFile(spec.StderrPath))
	}
	fileEventually(t, spec.StdoutPath, "init-ok\n4096 8192 300\n")
}

func assertStatus(t testing.TB, rt *Runtime, id, want string) ContainerInfo {
	t.Helper()
	cs, err := rt.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.ID == id {
			if c.Status != want {
				t.Errorf("%s: status %s, want %s", id, c.Status, want)
			}
			return c
		}
	}
	t.Fatalf("%s not listed", id)
	return ContainerInfo{}
}

// assertGone checks that neither the container nor its snapshot is left.
func assertGone(t testing.TB, rt *Runtime, id string) {
	t.Helper()
	ctx := rt.ctx(context.Background())
	cs, err := rt.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.ID == id {
			t.Errorf("%s still listed: %+v", id, c)
		}
	}
	if _, err := rt.client.SnapshotService(snapshotter).Stat(ctx, id); err == nil {
		t.Errorf("snapshot %s still there", id)
	}
}

func mustWait(t testing.TB, rt *Runtime, id string) <-chan ExitStatus {
	t.Helper()
	ch, err := rt.Wait(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// TestShimGroup: containers of one group share a shim, which outlives the
// first container's deletion and goes with the last one.
func TestShimGroup(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()
	ctx := context.Background()

	first := e.spec("group-first", "sleep", "60")
	first.ShimGroup = "task-1"
	second := e.spec("group-second", "sh", "-c", "echo up; sleep 60")
	second.ShimGroup = "task-1"
	e.run(first)
	secondC := e.run(second)
	fileEventually(t, second.StdoutPath, "up\n")
	if n := len(shimPids(t, e.cfg.Namespace)); n != 1 {
		t.Fatalf("%d shims for one group, want 1", n)
	}
	if err := e.rt.Delete(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.rt.Signal(ctx, second.ID, syscall.SIGKILL); err != nil {
		t.Fatalf("signal after the first container went: %v", err)
	}
	if st := exit(t, secondC, waitLimit); st.Code != 137 {
		t.Errorf("second container: %+v, want 137", st)
	}
	if err := e.rt.Delete(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitLimit)
	for len(shimPids(t, e.cfg.Namespace)) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the group's shim outlived its last container")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// shimPids lists the containerd-shim-runc-v2 processes serving namespace ns.
func shimPids(t *testing.T, ns string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, d := range ents {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if strings.HasSuffix(args[0], "containerd-shim-runc-v2") && slices.Contains(args, ns) {
			pids = append(pids, pid)
		}
	}
	return pids
}

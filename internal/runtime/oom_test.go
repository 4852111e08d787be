package runtime

import (
	"testing"
)

func TestMemoryLimitOOMKill(t *testing.T) {
	e := newTestEnv(t)
	e.importTestImage()

	// dd's buffer is bs bytes, filled by read(2): PID 1 itself grows past
	// the 20 MiB limit and the kernel kills it.
	hog := e.spec("oom", "dd", "if=/dev/zero", "of=/dev/null", "bs=200M", "count=1")
	hog.MemoryLimit = 20 << 20
	hog.MemoryReservation = 10 << 20
	st := exit(t, e.run(hog), waitLimit)
	if st.Code != 137 || !st.OOMKilled {
		t.Errorf("exit = %+v, want code 137 and OOMKilled; stderr %q", st, readFile(hog.StderrPath))
	}

	// The same work within the limit is not an OOM kill.
	fine := e.spec("no-oom", "dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=50")
	fine.MemoryLimit = 20 << 20
	if st := exit(t, e.run(fine), waitLimit); st.Code != 0 || st.OOMKilled {
		t.Errorf("exit = %+v, want 0 and no OOM", st)
	}
}

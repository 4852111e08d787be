package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
)

// maxExecOutput caps what Exec keeps of a command's output; health checks
// need little, and a chatty command must not grow berth.
const maxExecOutput = 64 << 10

// Exec runs args inside running container id (its namespaces, cgroup, user,
// environment and working directory), as container health checks do, and
// returns the exit code and the first 64 KiB of combined stdout and stderr.
// Past timeout (when > 0) the command is killed and the error wraps
// ErrExecTimeout, with code -1.
func (r *Runtime) Exec(ctx context.Context, id string, args []string, timeout time.Duration) (int, []byte, error) {
	ctx = r.ctx(ctx)
	if len(args) == 0 {
		return -1, nil, errors.New("exec: no command")
	}
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return -1, nil, containerErr("exec in", id, err)
	}
	t, err := c.Task(ctx, nil)
	if err != nil {
		return -1, nil, containerErr("exec in", id, err)
	}
	spec, err := c.Spec(ctx)
	if err != nil {
		return -1, nil, containerErr("exec in", id, err)
	}
	pspec := *spec.Process
	pspec.Args = args
	pspec.Terminal = false

	out := &cappedBuffer{max: maxExecOutput}
	ioOpts := []cio.Opt{cio.WithStreams(nil, out, out)}
	if r.fifoDir != "" {
		ioOpts = append(ioOpts, cio.WithFIFODir(r.fifoDir))
	}
	p, err := t.Exec(ctx, execID(), &pspec, cio.NewCreator(ioOpts...))
	if err != nil {
		return -1, nil, containerErr("exec in", id, err)
	}
	// Delete (after the exit) also waits for the output to be copied.
	deleted := false
	defer func() {
		if deleted {
			return
		}
		if _, err := p.Delete(context.WithoutCancel(ctx), containerd.WithProcessKill); err != nil {
			r.log.Debug("delete exec process", "container", id, "err", err)
		}
	}()
	exitC, err := p.Wait(ctx)
	if err != nil {
		return -1, nil, containerErr("exec in", id, err)
	}
	if err := p.Start(ctx); err != nil {
		return -1, nil, containerErr("exec in", id, err)
	}
	var expired <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case st := <-exitC:
		code, _, err := st.Result()
		if err != nil {
			return -1, nil, containerErr("exec in", id, err)
		}
		// Drain the output before reading it: the process may exit before
		// the shim has copied everything.
		deleted = true
		if _, err := p.Delete(ctx); err != nil {
			r.log.Debug("delete exec process", "container", id, "err", err)
		}
		return int(code), out.Bytes(), nil
	case <-expired:
		_ = p.Kill(context.WithoutCancel(ctx), syscall.SIGKILL)
		<-exitC
		return -1, out.Bytes(), fmt.Errorf("exec in container %s: %w after %s", id, ErrExecTimeout, timeout)
	case <-ctx.Done():
		_ = p.Kill(context.WithoutCancel(ctx), syscall.SIGKILL)
		return -1, out.Bytes(), fmt.Errorf("exec in container %s: %w", id, ctx.Err())
	}
}

func execID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "exec-" + hex.EncodeToString(b[:])
}

// cappedBuffer keeps the first max bytes written to it, from several
// goroutines (stdout and stderr are copied separately).
type cappedBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (b *cappedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...)
}

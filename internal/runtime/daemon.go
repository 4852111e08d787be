package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	daemonStartTimeout = 30 * time.Second
	daemonStopTimeout  = 15 * time.Second
	restartMinBackoff  = 100 * time.Millisecond
	restartMaxBackoff  = 10 * time.Second
	// A containerd that ran this long before dying starts the backoff over.
	restartStableAfter = time.Minute
	// containerd.log is moved to containerd.log.1 at a start past this size.
	daemonLogMax = 16 << 20
)

type daemonConfig struct {
	stateDir string
	binary   string // "" = containerd from PATH
	log      *slog.Logger
}

// daemon is a containerd we run as a child and restart when it dies, the way
// k3s embeds one: a generated config under the state dir, output to a log
// file there, SIGKILL when we die (Pdeathsig) so that no containerd outlives
// its owner, its own process group so a terminal's ^C reaches only us.
// Shims are not affected by any of this: containerd starts them detached,
// and they keep containers running across containerd restarts.
type daemon struct {
	binary     string
	stateDir   string
	address    string
	configPath string
	pidPath    string
	logPath    string
	state      string   // containerd's state dir (bundles), and runc's root in it
	tmpfs      bool     // state is our tmpfs (statefs.go)
	lock       *os.File // flock on stateDir/lock: one owner at a time
	log        *slog.Logger

	exits    atomic.Int64 // how often the process has exited
	stopCh   chan struct{}
	done     chan struct{} // closed when supervise returns
	stopOnce sync.Once
	stopErr  error

	mu       sync.Mutex
	proc     *os.Process // the running containerd, if any
	stopping bool
}

// startDaemon writes the config, starts containerd under supervision and
// waits until it answers.
func startDaemon(ctx context.Context, cfg daemonConfig) (*daemon, error) {
	stateDir, err := filepath.Abs(cfg.stateDir)
	if err != nil {
		return nil, err
	}
	binary := cfg.binary
	if binary == "" {
		binary = "containerd"
	}
	if binary, err = exec.LookPath(binary); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(stateDir, 0o711); err != nil {
		return nil, err
	}
	lock, err := lockStateDir(stateDir)
	if err != nil {
		return nil, err
	}
	d := &daemon{
		binary:     binary,
		stateDir:   stateDir,
		configPath: filepath.Join(stateDir, "config.toml"),
		pidPath:    filepath.Join(stateDir, "containerd.pid"),
		logPath:    filepath.Join(stateDir, "containerd.log"),
		lock:       lock,
		log:        cfg.log,
		stopCh:     make(chan struct{}),
		done:       make(chan struct{}),
	}
	fail := func(err error) (*daemon, error) {
		lock.Close()
		return nil, err
	}
	if d.address, err = socketPath(stateDir); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(d.configPath, []byte(daemonConfigTOML(stateDir, d.address)), 0o600); err != nil {
		return fail(err)
	}
	d.stopStale()
	d.state, _ = stateDirs(stateDir)
	if d.tmpfs, err = mountStateTmpfs(d.state); err != nil {
		d.log.Warn("containerd state stays on disk", "dir", d.state, "err", err)
	}
	d.log.Debug("containerd state", "on", describeState(d.state, d.tmpfs))

	go d.supervise()
	if err := d.waitReady(ctx); err != nil {
		_ = d.stop()
		return nil, err
	}
	return d, nil
}

// lockStateDir takes an exclusive flock so that two Runtimes never run two
// containerds on one state dir. The lock goes with the process.
func lockStateDir(stateDir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(stateDir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("state dir %s is in use by another process", stateDir)
		}
		return nil, err
	}
	return f, nil
}

// waitReady polls the socket until containerd answers, failing early when
// the first process dies.
func (d *daemon) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, daemonStartTimeout)
	defer cancel()
	start := time.Now()
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		if c, err := dial(ctx, d.address, "", time.Second); err == nil {
			c.Close()
			d.log.Info("containerd ready", "address", d.address, "took", time.Since(start).Round(time.Millisecond))
			return nil
		}
		if d.exits.Load() > 0 {
			return fmt.Errorf("containerd exited during startup: %s", d.logTail())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("containerd did not answer on %s: %w; log: %s", d.address, ctx.Err(), d.logTail())
		case <-time.After(delay):
		}
	}
}

// supervise runs containerd until stop, restarting it with backoff when it
// dies. It keeps its OS thread for its whole life because Pdeathsig fires
// when the thread that started the child exits, not the process.
func (d *daemon) supervise() {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	defer close(d.done)
	backoff := restartMinBackoff
	for {
		started := time.Now()
		cmd, err := d.spawn()
		if err == nil {
			err = cmd.Wait()
			d.mu.Lock()
			d.proc = nil
			d.mu.Unlock()
		}
		d.exits.Add(1)
		select {
		case <-d.stopCh:
			return
		default:
		}
		if time.Since(started) > restartStableAfter {
			backoff = restartMinBackoff
		}
		d.log.Error("containerd exited; restarting", "err", err, "backoff", backoff, "log", d.logPath)
		select {
		case <-d.stopCh:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, restartMaxBackoff)
	}
}

var errStopping = errors.New("stopping")

// spawn starts one containerd process.
func (d *daemon) spawn() (*exec.Cmd, error) {
	d.rotateLog()
	logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(d.binary, "--config", d.configPath)
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = daemonEnv(filepath.Dir(d.binary))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return nil, errStopping
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	d.proc = cmd.Process
	if err := os.WriteFile(d.pidPath, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600); err != nil {
		d.log.Warn("write containerd pid file", "err", err)
	}
	d.log.Info("containerd started", "pid", cmd.Process.Pid, "address", d.address, "log", d.logPath)
	return cmd, nil
}

// stop ends supervision and the process: SIGTERM, then SIGKILL after
// daemonStopTimeout. Safe to call twice.
func (d *daemon) stop() error {
	d.stopOnce.Do(func() {
		d.mu.Lock()
		d.stopping = true
		close(d.stopCh)
		if d.proc != nil {
			_ = d.proc.Signal(syscall.SIGTERM)
		}
		d.mu.Unlock()
		select {
		case <-d.done:
		case <-time.After(daemonStopTimeout):
			d.log.Warn("containerd did not stop on SIGTERM; killing it")
			d.mu.Lock()
			if d.proc != nil {
				_ = d.proc.Kill()
			}
			d.mu.Unlock()
			<-d.done
			d.stopErr = errors.New("containerd did not stop on SIGTERM")
		}
		os.Remove(d.pidPath)
		if d.tmpfs {
			if err := unmountStateTmpfs(d.state); err != nil {
				d.log.Warn("unmounting containerd's state", "err", err)
			}
		}
		if dir := filepath.Dir(d.address); dir != d.stateDir {
			os.RemoveAll(dir) // the /run/berth-<hash> fallback; made again on the next start
		}
		d.lock.Close()
		d.log.Info("containerd stopped", "address", d.address)
	})
	return d.stopErr
}

// stopStale ends a containerd that a previous owner of the state dir left
// running (it died without Close, and Pdeathsig did not fire): it holds the
// socket and the metadata database we are about to use. Only a process whose
// command line names our config file is touched.
func (d *daemon) stopStale() {
	b, err := os.ReadFile(d.pidPath)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || pid <= 1 {
		return
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmdline, []byte(d.configPath)) {
		return
	}
	d.log.Warn("stopping containerd left running by a previous owner", "pid", pid)
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(daemonStopTimeout)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			deadline = time.Now().Add(daemonStopTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] != 'Z'
	}
	return true
}

func (d *daemon) rotateLog() {
	if fi, err := os.Stat(d.logPath); err == nil && fi.Size() > daemonLogMax {
		_ = os.Rename(d.logPath, d.logPath+".1")
	}
}

// logTail is the end of containerd's log, for error messages.
func (d *daemon) logTail() string {
	b, err := os.ReadFile(d.logPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2048 {
		b = b[len(b)-2048:]
	}
	return string(bytes.TrimSpace(b))
}

package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the signal tests run this test binary as testapp itself.
func TestMain(m *testing.M) {
	if os.Getenv("TESTAPP_AS_MAIN") == "1" {
		os.Args = append(os.Args[:1], strings.Fields(os.Getenv("TESTAPP_ARGS"))...)
		main()
		return
	}
	os.Exit(m.Run())
}

// proc is testapp running as a child process.
type proc struct {
	cmd   *exec.Cmd
	lines chan string
}

func startProc(t *testing.T, args string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "TESTAPP_AS_MAIN=1", "TESTAPP_ARGS="+args)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return p
}

func (p *proc) expect(t *testing.T, prefix string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("output ended before %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return
			}
		case <-timeout:
			t.Fatalf("no line %q within 10s", prefix)
		}
	}
}

// exitCode waits for the process, giving 128+signal for a killed one.
func (p *proc) exitCode(t *testing.T) int {
	t.Helper()
	for range p.lines { // drain, so Wait sees EOF
	}
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

func TestTrapExitsAfterDelay(t *testing.T) {
	p := startProc(t, "trap -signal TERM -delay 200ms -code 4")
	p.expect(t, "ready")
	start := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.expect(t, "got TERM")
	if code := p.exitCode(t); code != 4 {
		t.Errorf("exit code %d, want 4", code)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("exited after %v, before the 200ms delay", d)
	}
}

func TestTrapIgnoreNeedsKill(t *testing.T) {
	p := startProc(t, "trap -ignore")
	p.expect(t, "ready")
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.expect(t, "got TERM")
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.expect(t, "got TERM")
	time.Sleep(100 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("process gone after ignored TERM: %v", err)
	}
	p.cmd.Process.Kill()
	if code := p.exitCode(t); code != 137 {
		t.Errorf("exit code %d, want 137", code)
	}
}

func TestSleepExitsOnTerm(t *testing.T) {
	p := startProc(t, "print -out started -hold -1s")
	p.expect(t, "started")
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.expect(t, "got TERM")
	if code := p.exitCode(t); code != 143 {
		t.Errorf("exit code %d, want 143", code)
	}
}

func TestServeShutsDownOnTerm(t *testing.T) {
	p := startProc(t, "serve -port 0")
	p.expect(t, "listening on")
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.expect(t, "got TERM, shutting down")
	if code := p.exitCode(t); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// runInit is berth's init for containers with ECS's initProcessEnabled: it
// runs as PID 1, starts the container's command, forwards every signal it
// gets to it, reaps the zombies orphans leave behind, and exits as the
// command did (128+n when a signal n killed it). The runtime bind-mounts the
// berth binary (static) into the container for this.
func runInit(args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("init: no command")
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	child, err := os.StartProcess(path, args, &os.ProcAttr{
		Env:   os.Environ(),
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
	})
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGCHLD || sig == syscall.SIGURG { // ours, and Go's preemption
				continue
			}
			_ = child.Signal(sig)
		}
	}()
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("init: wait: %w", err)
		}
		if pid != child.Pid {
			continue // a reaped orphan
		}
		if ws.Signaled() {
			os.Exit(128 + int(ws.Signal()))
		}
		os.Exit(ws.ExitStatus())
	}
}

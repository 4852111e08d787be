package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

func cmdExit(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("exit", stderr)
	code := fs.Int("code", 0, "exit code")
	after := fs.Duration("after", 0, "wait this long first")
	if fs.Parse(args) != nil {
		return 2
	}
	time.Sleep(*after)
	fmt.Fprintf(stdout, "exiting with %d\n", *code)
	return *code
}

func cmdSleep(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sleep", stderr)
	secs := fs.Float64("seconds", -1, "how long; negative sleeps forever")
	if fs.Parse(args) != nil {
		return 2
	}
	wait(seconds(*secs))
	return 0
}

// cmdTrap is the workload for stopTimeout tests: it says "ready" once its
// handler is installed and "got TERM" when the signal comes, then exits
// after -delay, or with -ignore never exits, so the caller has to SIGKILL.
func cmdTrap(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("trap", stderr)
	name := fs.String("signal", "TERM", "signal to catch")
	delay := fs.Duration("delay", 0, "time between the signal and the exit")
	code := fs.Int("code", 0, "exit code after the signal")
	ignore := fs.Bool("ignore", false, "keep running after the signal")
	if fs.Parse(args) != nil {
		return 2
	}
	sig, err := parseSignal(*name)
	if err != nil {
		fmt.Fprintln(stderr, "trap:", err)
		return 2
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig)
	fmt.Fprintln(stdout, "ready")
	for range ch {
		fmt.Fprintf(stdout, "got %s\n", signalName(sig))
		if *ignore {
			continue
		}
		time.Sleep(*delay)
		fmt.Fprintf(stdout, "exiting with %d\n", *code)
		return *code
	}
	return 0
}

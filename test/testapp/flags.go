package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// newFlags returns a flag set that reports errors to stderr instead of
// exiting, so commands can be tested in process.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// seconds turns a flag given in (fractional) seconds into a duration;
// negative stays negative and means "forever" to the callers.
func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}

// wait sleeps for d, or forever when d is negative.
func wait(d time.Duration) {
	if d < 0 {
		select {}
	}
	time.Sleep(d)
}

var signals = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT,
	"TERM": syscall.SIGTERM, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2,
}

// parseSignal accepts TERM, SIGTERM or 15.
func parseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return syscall.Signal(n), nil
	}
	if sig, ok := signals[strings.TrimPrefix(strings.ToUpper(s), "SIG")]; ok {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// signalName gives the short name ("TERM") that trap prints.
func signalName(sig syscall.Signal) string {
	for name, s := range signals {
		if s == sig {
			return name
		}
	}
	return strconv.Itoa(int(sig))
}

// Command testapp is the workload that berth's tests run inside containers.
//
// It is a single static binary (CGO_ENABLED=0) driven by its arguments, so
// one image serves every test: an HTTP echo server, a log writer, a process
// that exits with a chosen code, a memory hog, a CPU burner, a file writer,
// a signal handler with a chosen shutdown delay, and small file and network
// probes. Run it without arguments, or with "help", for the list.
//
// Every command except serve and trap exits with 128+signal on SIGTERM or
// SIGINT, as a shell would report it: as PID 1 in a container the kernel
// would otherwise ignore those signals and Go would exit with status 2.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// A command runs with its own arguments (without its name) and returns the
// process exit code.
type command struct {
	run   func(args []string, stdout, stderr io.Writer) int
	usage string
	// ownSignals is set for commands that handle SIGTERM themselves.
	ownSignals bool
}

var commands = map[string]command{
	"serve":  {run: cmdServe, usage: "serve [-port 8080]: HTTP echo server (see serve.go)", ownSignals: true},
	"print":  {run: cmdPrint, usage: `print [-out TEXT] [-err TEXT] [-lines N] [-interval D] [-hold D]: write lines ("{n}" is the line number)`},
	"exit":   {run: cmdExit, usage: "exit [-code N] [-after D]: exit with a code"},
	"sleep":  {run: cmdSleep, usage: "sleep [-seconds N]: sleep (negative: forever)"},
	"trap":   {run: cmdTrap, usage: "trap [-signal TERM] [-delay D] [-code N] [-ignore]: on the signal print \"got SIG\", then exit after the delay or, with -ignore, keep running", ownSignals: true},
	"alloc":  {run: cmdAlloc, usage: "alloc -mib N [-hold D]: allocate and touch N MiB (hold negative: forever)"},
	"burn":   {run: cmdBurn, usage: "burn [-seconds N] [-threads K]: spin K threads, report CPU time used"},
	"write":  {run: cmdWrite, usage: "write -path P -mib N: write N MiB and fsync; exit 1 with the error on failure"},
	"cat":    {run: cmdCat, usage: "cat -path P: print a file"},
	"ls":     {run: cmdLs, usage: "ls [-path P]: list a directory (mode, uid:gid, size, name)"},
	"getenv": {run: cmdGetenv, usage: "getenv NAME: print a variable; exit 1 if unset"},
	"fetch":  {run: cmdFetch, usage: "fetch [-timeout D] URL: HTTP GET, print the status line and the body"},
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		args = []string{"serve"}
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(os.Stderr)
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if !c.ownSignals {
		exitOnSignal(os.Stderr)
	}
	os.Exit(c.run(args[1:], os.Stdout, os.Stderr))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: testapp COMMAND [flags]")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintln(w, "  "+commands[n].usage)
	}
}

// exitOnSignal makes SIGTERM and SIGINT end the process with 128+signal.
func exitOnSignal(stderr io.Writer) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := (<-ch).(syscall.Signal)
		fmt.Fprintf(stderr, "got %s, exiting\n", signalName(s))
		os.Exit(128 + int(s))
	}()
}

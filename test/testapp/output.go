package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cmdPrint writes -out to stdout and -err to stderr, -lines times, with
// "{n}" in either replaced by the line number (from 1), so log tests can
// tell lines apart and count them.
func cmdPrint(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("print", stderr)
	out := fs.String("out", "", "text for stdout")
	errText := fs.String("err", "", "text for stderr")
	lines := fs.Int("lines", 1, "how many times")
	interval := fs.Duration("interval", 0, "pause between lines")
	hold := fs.Duration("hold", 0, "keep running this long afterwards (negative: forever)")
	if fs.Parse(args) != nil {
		return 2
	}
	for i := 1; i <= *lines; i++ {
		if i > 1 {
			time.Sleep(*interval)
		}
		n := strconv.Itoa(i)
		if *out != "" {
			fmt.Fprintln(stdout, strings.ReplaceAll(*out, "{n}", n))
		}
		if *errText != "" {
			fmt.Fprintln(stderr, strings.ReplaceAll(*errText, "{n}", n))
		}
	}
	wait(*hold)
	return 0
}

func cmdGetenv(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: getenv NAME")
		return 2
	}
	v, ok := os.LookupEnv(args[0])
	if !ok {
		fmt.Fprintf(stderr, "%s is not set\n", args[0])
		return 1
	}
	fmt.Fprintln(stdout, v)
	return 0
}

func cmdCat(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("cat", stderr)
	path := fs.String("path", "", "file to print")
	if fs.Parse(args) != nil {
		return 2
	}
	f, err := os.Open(*path)
	if err != nil {
		fmt.Fprintln(stderr, "cat:", err)
		return 1
	}
	defer f.Close()
	if _, err := io.Copy(stdout, f); err != nil {
		fmt.Fprintln(stderr, "cat:", err)
		return 1
	}
	return 0
}

// cmdLs prints one line per entry: mode, uid:gid, size and name, which is
// what volume and permission tests need to assert.
func cmdLs(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("ls", stderr)
	path := fs.String("path", ".", "directory to list")
	if fs.Parse(args) != nil {
		return 2
	}
	entries, err := os.ReadDir(*path)
	if err != nil {
		fmt.Fprintln(stderr, "ls:", err)
		return 1
	}
	for _, e := range entries {
		fi, err := os.Lstat(filepath.Join(*path, e.Name()))
		if err != nil {
			fmt.Fprintln(stderr, "ls:", err)
			return 1
		}
		uid, gid := -1, -1
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(st.Uid), int(st.Gid)
		}
		fmt.Fprintf(stdout, "%s %d:%d %d %s\n", fi.Mode(), uid, gid, fi.Size(), e.Name())
	}
	return 0
}

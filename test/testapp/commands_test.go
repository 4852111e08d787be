package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// run runs a command in process and returns its exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	c, ok := commands[args[0]]
	if !ok {
		t.Fatalf("no command %q", args[0])
	}
	var out, errb bytes.Buffer
	code := c.run(args[1:], &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("contents\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TESTAPP_VAR", "value")
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprint(w, "short and stout")
	}))
	defer web.Close()

	tests := []struct {
		args          []string
		code          int
		stdout, stder string // regexps; empty matches anything
	}{
		{[]string{"print", "-out", "hello"}, 0, `^hello\n$`, `^$`},
		{[]string{"print", "-out", "o{n}", "-err", "e{n}", "-lines", "3"}, 0, `^o1\no2\no3\n$`, `^e1\ne2\ne3\n$`},
		{[]string{"print", "-bogus"}, 2, ``, `flag provided but not defined`},
		{[]string{"exit", "-code", "7"}, 7, `exiting with 7`, ``},
		{[]string{"exit"}, 0, ``, ``},
		{[]string{"sleep", "-seconds", "0.01"}, 0, `^$`, ``},
		{[]string{"getenv", "TESTAPP_VAR"}, 0, `^value\n$`, ``},
		{[]string{"getenv", "TESTAPP_UNSET_VAR"}, 1, `^$`, `not set`},
		{[]string{"getenv"}, 2, ``, `usage`},
		{[]string{"cat", "-path", filepath.Join(dir, "a.txt")}, 0, `^contents\n$`, ``},
		{[]string{"cat", "-path", filepath.Join(dir, "nope")}, 1, ``, `no such file`},
		{[]string{"ls", "-path", dir}, 0, `(?m)^-rw-r----- \d+:\d+ 9 a.txt$`, ``},
		{[]string{"ls", "-path", filepath.Join(dir, "nope")}, 1, ``, `no such file`},
		{[]string{"write", "-path", filepath.Join(dir, "w"), "-mib", "3"}, 0, `wrote 3 MiB`, ``},
		{[]string{"write", "-path", "/dev/full", "-mib", "1"}, 1, ``, `no space left on device`},
		{[]string{"write", "-path", filepath.Join(dir, "no", "dir"), "-mib", "1"}, 1, ``, `no such file`},
		{[]string{"fetch", web.URL}, 0, `^HTTP 418\nshort and stout\n$`, ``},
		{[]string{"fetch", "-timeout", "2s", "http://127.0.0.1:1/"}, 1, ``, `connection refused`},
		{[]string{"alloc", "-mib", "70"}, 0, `allocated 64 MiB\nallocated 70 MiB, holding`, ``},
		{[]string{"burn", "-seconds", "0.2", "-threads", "2"}, 0, `burned threads=2 wall=0\.\d+s cpu=\d+\.\d+s`, ``},
		{[]string{"trap", "-signal", "NOPE"}, 2, ``, `unknown signal`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if !regexp.MustCompile(tc.stdout).MatchString(stdout) {
				t.Errorf("stdout %q does not match %q", stdout, tc.stdout)
			}
			if !regexp.MustCompile(tc.stder).MatchString(stderr) {
				t.Errorf("stderr %q does not match %q", stderr, tc.stder)
			}
		})
	}
	if fi, err := os.Stat(filepath.Join(dir, "w")); err != nil || fi.Size() != 3*mib {
		t.Errorf("write: %v %v", fi, err)
	}
}

func TestParseSignal(t *testing.T) {
	for _, s := range []string{"TERM", "SIGTERM", "term", "15"} {
		if sig, err := parseSignal(s); err != nil || signalName(sig) != "TERM" {
			t.Errorf("parseSignal(%q) = %v, %v", s, sig, err)
		}
	}
}

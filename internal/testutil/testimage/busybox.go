package testimage

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// busyboxCandidates are where Debian's busybox-static puts the binary;
// $BERTH_TEST_BUSYBOX overrides them.
var busyboxCandidates = []string{"/bin/busybox", "/usr/bin/busybox", "/usr/sbin/busybox", "/sbin/busybox"}

// applets are linked to /bin/busybox in the image when the binary has them.
var applets = []string{
	"[", "ash", "awk", "basename", "cat", "chmod", "chown", "cp", "cut", "date", "dd", "df",
	"dirname", "du", "echo", "env", "expr", "false", "find", "free", "grep", "head",
	"hostname", "id", "ip", "kill", "ln", "ls", "mkdir", "mktemp", "mount", "mv", "nc",
	"netstat", "nproc", "nslookup", "printf", "ps", "pwd", "readlink", "rm", "rmdir", "sed",
	"seq", "sh", "sleep", "sort", "stat", "sync", "tail", "tee", "test", "timeout", "top",
	"touch", "tr", "true", "umount", "uname", "uniq", "uptime", "wc", "wget", "which",
	"whoami", "xargs", "yes",
}

// findBusybox returns the path of a statically linked busybox and the
// applets to link, failing with what to install when there is none.
func findBusybox() (string, []string, error) {
	candidates := busyboxCandidates
	if p := os.Getenv("BERTH_TEST_BUSYBOX"); p != "" {
		candidates = []string{p}
	}
	var problems []string
	for _, p := range candidates {
		err := checkStatic(p)
		if err == nil {
			return p, availableApplets(p), nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			problems = append(problems, err.Error())
		}
	}
	msg := "no busybox found at " + strings.Join(candidates, ", ")
	if len(problems) > 0 {
		msg = strings.Join(problems, "; ")
	}
	return "", nil, fmt.Errorf("testimage: %s: install Debian's busybox-static package (apt-get install busybox-static)", msg)
}

// checkStatic fails unless path is an ELF executable with no interpreter,
// since the image has no dynamic loader or libc.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return err
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (Debian's busybox package, not busybox-static)", path)
		}
	}
	return nil
}

// availableApplets keeps the applets the binary lists; if it cannot list
// them, all of them.
func availableApplets(path string) []string {
	out, err := exec.Command(path, "--list").Output()
	if err != nil {
		return applets
	}
	have := map[string]bool{}
	for _, a := range strings.Fields(string(out)) {
		have[a] = true
	}
	var keep []string
	for _, a := range applets {
		if have[a] {
			keep = append(keep, a)
		}
	}
	return keep
}

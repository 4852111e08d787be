// Package mountinfo has what berth's mount code shares: the kernel's \ooo
// escaping of space, tab, newline and backslash in /proc/self/mountinfo's
// paths and options, and whether a path is the root of a mount.
package mountinfo

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// IsMountpoint reports whether p is the root of a mount on another device
// than its parent's (every mount berth makes: tmpfs, loop, overlay). A
// missing p is not one.
func IsMountpoint(p string) (bool, error) {
	var st, pst unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil
		}
		return false, &fs.PathError{Op: "lstat", Path: p, Err: err}
	}
	if err := unix.Lstat(filepath.Dir(p), &pst); err != nil {
		return false, &fs.PathError{Op: "lstat", Path: filepath.Dir(p), Err: err}
	}
	return st.Dev != pst.Dev, nil
}

// Unescape undoes mountinfo's \ooo escapes.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c, ok := EscapeAt(s, i); ok {
			b.WriteByte(c)
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// EscapeAt reports whether s has a \ooo escape at i, and the byte it
// stands for.
func EscapeAt(s string, i int) (byte, bool) {
	if s[i] != '\\' || i+3 >= len(s) {
		return 0, false
	}
	for _, c := range s[i+1 : i+4] {
		if c < '0' || c > '7' {
			return 0, false
		}
	}
	return (s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'), true
}

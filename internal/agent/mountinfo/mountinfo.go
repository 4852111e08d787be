// Package mountinfo has what the agent's readers of /proc/self/mountinfo
// share: the kernel's \ooo escaping of space, tab, newline and backslash in
// paths and options.
package mountinfo

import "strings"

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

package eventpattern

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// wildcard is a {"wildcard": …} value: literal pieces that must appear in
// order, with any run of characters (maybe none) between them. The first
// piece is anchored at the start of the value and the last at its end.
type wildcard struct {
	parts []string // len(parts) == number of * + 1
}

// parseWildcard reads a wildcard value. * matches any run of characters,
// \* a literal asterisk and \\ a backslash; two *s in a row and any other
// backslash are errors. Positions in the reasons count bytes from 1, as
// EventBridge counts them.
func parseWildcard(s string) (wildcard, string) {
	var w wildcard
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				return wildcard{}, fmt.Sprintf("Consecutive wildcard characters at pos %d", i+1)
			}
			w.parts = append(w.parts, cur.String())
			cur.Reset()
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\') {
				cur.WriteByte(s[i+1])
				i++
				continue
			}
			return wildcard{}, fmt.Sprintf("Invalid escape character at pos %d", i+1)
		default:
			cur.WriteByte(s[i])
		}
	}
	w.parts = append(w.parts, cur.String())
	return w, ""
}

// match reports whether s matches. Taking each middle piece at its
// leftmost place is enough: a later place never leaves more room for the
// pieces after it.
func (w *wildcard) match(s string) bool {
	first, last := w.parts[0], w.parts[len(w.parts)-1]
	if len(w.parts) == 1 {
		return s == first
	}
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	rest := s[len(first) : len(s)-len(last)]
	for _, p := range w.parts[1 : len(w.parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return true
}

// hasPrefixFold is strings.HasPrefix ignoring case (Unicode simple
// folding, character by character, so that prefixes whose cases differ
// in byte length still match).
func hasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		r1, n1 := utf8.DecodeRuneInString(s)
		r2, n2 := utf8.DecodeRuneInString(prefix)
		if !equalFoldRune(r1, r2) {
			return false
		}
		s, prefix = s[n1:], prefix[n2:]
	}
	return true
}

// hasSuffixFold is strings.HasSuffix ignoring case.
func hasSuffixFold(s, suffix string) bool {
	for suffix != "" {
		if s == "" {
			return false
		}
		r1, n1 := utf8.DecodeLastRuneInString(s)
		r2, n2 := utf8.DecodeLastRuneInString(suffix)
		if !equalFoldRune(r1, r2) {
			return false
		}
		s, suffix = s[:len(s)-n1], suffix[:len(suffix)-n2]
	}
	return true
}

func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

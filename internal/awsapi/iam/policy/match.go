package policy

import (
	"strings"
	"unicode/utf8"
)

// Match reports whether value matches pattern, where "*" in pattern
// matches any run of characters (none included) and "?" any one
// character; everything else matches itself, case-sensitively.
func Match(pattern, value string) bool { return match(pattern, value, false) }

// MatchFold is Match ignoring case, as IAM compares actions.
func MatchFold(pattern, value string) bool { return match(pattern, value, true) }

// match is the classic greedy wildcard matcher: on a mismatch it backs up
// to just after the last "*" and lets that star swallow one more
// character. It runs in O(len(pattern)·len(value)) at worst, with no
// recursion, so hostile patterns cannot blow up.
func match(pattern, value string, fold bool) bool {
	p, v := 0, 0
	starP, starV := -1, 0
	for v < len(value) {
		if p < len(pattern) {
			pc, pw := utf8.DecodeRuneInString(pattern[p:])
			vc, vw := utf8.DecodeRuneInString(value[v:])
			switch {
			case pc == '*':
				starP, starV = p, v
				p += pw
				continue
			case pc == '?' || pc == vc || fold && equalFoldRune(pc, vc):
				p += pw
				v += vw
				continue
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last star take one more character of value.
		_, vw := utf8.DecodeRuneInString(value[starV:])
		starV += vw
		p, v = starP+1, starV
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func equalFoldRune(a, b rune) bool {
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	return strings.EqualFold(string(a), string(b))
}

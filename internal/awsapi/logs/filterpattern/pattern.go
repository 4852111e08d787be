package filterpattern

import (
	"fmt"
	"unicode/utf8"
)

// MaxLength is the longest filter pattern CloudWatch Logs accepts, in
// characters: the max of the FilterPattern shape in the API model.
const MaxLength = 1024

// Limits AWS sets on JSON and space-delimited patterns.
const (
	// maxRegexes is the most %regex% values one JSON or space-delimited
	// pattern may hold.
	maxRegexes = 2
	// maxSelectorWildcards is the most wildcards ([*] or .*) one JSON
	// property selector may hold.
	maxSelectorWildcards = 1
	// maxPatternWildcards is the most wildcards a whole JSON pattern may hold.
	maxPatternWildcards = 3
)

// Pattern is a compiled filter pattern. The zero value and a nil *Pattern
// match every event.
type Pattern struct {
	source string
	m      matcher
}

// matcher is one compiled form of pattern.
type matcher interface {
	match(msg string) bool
}

// Compile parses a filter pattern. "" (or only spaces) matches every event.
// A pattern that does not parse, or is longer than MaxLength, returns an
// *Error.
func Compile(pattern string) (*Pattern, error) {
	if n := utf8.RuneCountInString(pattern); n > MaxLength {
		return nil, &Error{Pattern: pattern, Offset: len(pattern),
			Reason: fmt.Sprintf("Invalid filter pattern: it is %d characters long, and the most is %d", n, MaxLength)}
	}
	lo, hi := trimSpace(pattern, 0, len(pattern))
	var (
		m   matcher
		err error
	)
	switch {
	case lo == hi:
		m = nil
	case pattern[lo] == '{':
		if hi-lo < 2 || pattern[hi-1] != '}' {
			return nil, &Error{Pattern: pattern, Offset: hi - 1,
				Reason: "If a filter pattern starts with '{' it must end with '}'"}
		}
		m, err = compileJSON(pattern, lo+1, hi-1)
	case pattern[lo] == '[':
		if hi-lo < 2 || pattern[hi-1] != ']' {
			return nil, &Error{Pattern: pattern, Offset: hi - 1,
				Reason: "If a filter pattern starts with '[' it must end with ']'"}
		}
		m, err = compileDelimited(pattern, lo+1, hi-1)
	case pattern[lo] == '%':
		if hi-lo < 2 || pattern[hi-1] != '%' {
			return nil, &Error{Pattern: pattern, Offset: hi - 1,
				Reason: "If a filter pattern starts with '%' it must end with '%'"}
		}
		var re regexMatcher
		re.re, err = compileRegex(pattern, lo+1, hi-1)
		m = re
	default:
		m, err = compileTerms(pattern, lo, hi)
	}
	if err != nil {
		return nil, err
	}
	return &Pattern{source: pattern, m: m}, nil
}

// Match reports whether a log event's message matches.
func (p *Pattern) Match(message string) bool {
	if p == nil || p.m == nil {
		return true
	}
	return p.m.match(message)
}

// String returns the pattern as given to Compile.
func (p *Pattern) String() string {
	if p == nil {
		return ""
	}
	return p.source
}

// isSpace reports whether c separates terms, fields and tokens.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// trimSpace narrows s[lo:hi] to exclude leading and trailing spaces.
func trimSpace(s string, lo, hi int) (int, int) {
	for lo < hi && isSpace(s[lo]) {
		lo++
	}
	for hi > lo && isSpace(s[hi-1]) {
		hi--
	}
	return lo, hi
}

// skipSpace returns the first index at or after i, below hi, that is not a space.
func skipSpace(s string, i, hi int) int {
	for i < hi && isSpace(s[i]) {
		i++
	}
	return i
}

package filterpattern

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// regexMatcher is a standalone %regex% pattern, searched anywhere in the
// message (^ and $ anchor it to the message's start and end).
type regexMatcher struct {
	re *regexp.Regexp
}

func (r regexMatcher) match(msg string) bool { return r.re.MatchString(msg) }

// regexSymbols are the characters besides ASCII letters and digits that AWS
// allows in a regular expression: the symbols ':_#=@/;,-', the operators
// '^$?[]{}|\*+.', and the space its own examples use ("%^starting|^shutting down%").
const regexSymbols = ":_#=@/;,-" + `^$?[]{}|\*+.` + " "

// compileRegex compiles the regular expression between the percent signs
// around pattern[lo:hi]. AWS's subset is close to RE2's: it has no groups
// (so no backreferences), no multi-byte characters, and a short list of
// characters; anything outside it is matched with \xhh.
func compileRegex(pattern string, lo, hi int) (*regexp.Regexp, error) {
	term := pattern[lo-1 : hi+1]
	src := pattern[lo:hi]
	if src == "" {
		return nil, syntaxError(pattern, lo-1, term, "the regular expression %s is empty", term)
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c >= utf8.RuneSelf:
			return nil, invalidTerm(pattern, lo-1, term, "multi-byte characters are not supported in a regular expression")
		case isASCIIAlnum(c) || strings.IndexByte(regexSymbols, c) >= 0:
		case c == '(' || c == ')':
			return nil, invalidTerm(pattern, lo-1, term, fmt.Sprintf(
				"parentheses are not supported in a regular expression; match %q with \\x%02X", c, c))
		default:
			return nil, invalidTerm(pattern, lo-1, term, fmt.Sprintf(
				"%q is not allowed in a regular expression; match it with \\x%02X", c, c))
		}
	}
	re, err := regexp.Compile(normalizeRepeats(src))
	if err != nil {
		why := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			why = fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
		}
		return nil, syntaxError(pattern, lo-1, term, "the regular expression %s does not compile: %s", term, why)
	}
	return re, nil
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// normalizeRepeats rewrites AWS's repetition forms that RE2 reads as
// literal text: "{m, n}" (AWS documents it with a space) becomes "{m,n}",
// and "{,n}" (m omitted) becomes "{0,n}". Braces inside a character class
// or escaped are left alone.
func normalizeRepeats(src string) string {
	if !strings.Contains(src, "{") {
		return src
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			b.WriteByte(c)
			b.WriteByte(src[i+1])
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ']' first in the class (after an optional '^') is literal.
			if i+1 < len(src) && src[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(src) && src[i+1] == ']' {
				b.WriteByte(']')
				i++
			}
			continue
		case c == '{':
			if end := strings.IndexByte(src[i:], '}'); end > 0 {
				if rep, ok := repeatBounds(src[i+1 : i+end]); ok {
					b.WriteString("{" + rep + "}")
					i += end
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// repeatBounds reads the inside of a repetition "{…}" with optional spaces
// and an optional minimum, and returns it in RE2's form.
func repeatBounds(s string) (string, bool) {
	s = strings.ReplaceAll(s, " ", "")
	minimum, maximum, hasComma := strings.Cut(s, ",")
	if !allDigits(minimum) || !allDigits(maximum) || minimum+maximum == "" {
		return "", false
	}
	if !hasComma {
		return minimum, true
	}
	if minimum == "" {
		minimum = "0"
	}
	return minimum + "," + maximum, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

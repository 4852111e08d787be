package filterpattern

import (
	"strings"
	"unicode"
)

// termMatcher is a pattern of terms over unstructured events: every include
// term must appear, no exclude term may, and, when there are neither, one of
// the anyOf terms must. Terms are case-sensitive substrings; a blank quoted
// term is the empty string, which every message contains (AWS documents
// `" "` as the pattern that matches everything).
type termMatcher struct {
	include, exclude, anyOf []string
}

func (t *termMatcher) match(msg string) bool {
	for _, s := range t.include {
		if !strings.Contains(msg, s) {
			return false
		}
	}
	for _, s := range t.exclude {
		if strings.Contains(msg, s) {
			return false
		}
	}
	if len(t.anyOf) == 0 {
		return true
	}
	for _, s := range t.anyOf {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// compileTerms parses pattern[lo:hi] as terms: words of letters, digits and
// underscores, or quoted phrases, each optionally led by "?" (one of these)
// or "-" (not this). As AWS documents, "?" terms are ignored when the
// pattern also has a term without "?".
func compileTerms(pattern string, lo, hi int) (*termMatcher, error) {
	var t termMatcher
	var optional []string
	for i := skipSpace(pattern, lo, hi); i < hi; i = skipSpace(pattern, i, hi) {
		start := i
		var prefix byte
		if c := pattern[i]; c == '?' || c == '-' {
			prefix = c
			// AWS's older pages write `"ERROR" - "Exiting"`: a lone sign
			// applies to the term after it.
			i = skipSpace(pattern, i+1, hi)
			if i == hi {
				return nil, syntaxError(pattern, start, string(c), "'%c' must be followed by a term", c)
			}
		}
		var term string
		if pattern[i] == '"' {
			val, next, err := readQuoted(pattern, i, hi)
			if err != nil {
				return nil, err
			}
			if next < hi && !isSpace(pattern[next]) {
				return nil, syntaxError(pattern, next, pattern[i:next],
					"a quoted term must be followed by a space, found %q after %s", pattern[next], pattern[i:next])
			}
			if strings.TrimSpace(val) == "" {
				val = ""
			}
			term, i = val, next
		} else {
			j := i
			for j < hi && !isSpace(pattern[j]) {
				j++
			}
			word := pattern[i:j]
			if !isTermWord(word) {
				return nil, invalidTerm(pattern, i, word,
					"terms with characters other than letters, digits and '_' must be in double quotes")
			}
			term, i = word, j
		}
		switch prefix {
		case '?':
			optional = append(optional, term)
		case '-':
			t.exclude = append(t.exclude, term)
		default:
			t.include = append(t.include, term)
		}
	}
	if len(t.include) == 0 && len(t.exclude) == 0 {
		t.anyOf = optional
	}
	return &t, nil
}

// isTermWord reports whether w may stand unquoted as a term.
func isTermWord(w string) bool {
	for _, r := range w {
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return w != ""
}

// readQuoted reads the double-quoted string that starts at pattern[i] and
// returns its value and the index after the closing quote. Inside, \" is a
// quote and \\ a backslash; any other backslash is kept as written.
func readQuoted(pattern string, i, hi int) (string, int, error) {
	var b strings.Builder
	escaped := false
	for j := i + 1; j < hi; j++ {
		switch c := pattern[j]; c {
		case '"':
			if !escaped {
				return pattern[i+1 : j], j + 1, nil
			}
			return b.String(), j + 1, nil
		case '\\':
			if j+1 < hi && (pattern[j+1] == '"' || pattern[j+1] == '\\') {
				if !escaped {
					escaped = true
					b.WriteString(pattern[i+1 : j])
				}
				b.WriteByte(pattern[j+1])
				j++
				continue
			}
			fallthrough
		default:
			if escaped {
				b.WriteByte(c)
			}
		}
	}
	return "", 0, syntaxError(pattern, i, pattern[i:hi], "the quoted term %s has no closing '\"'", pattern[i:hi])
}

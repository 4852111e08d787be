package filterpattern

import (
	"fmt"
	"strings"
)

// tokKind is the kind of a token of a JSON or space-delimited pattern.
type tokKind uint8

const (
	tEOF      tokKind = iota
	tLParen           // (
	tRParen           // )
	tAnd              // &&
	tOr               // ||
	tComma            // , between space-delimited fields
	tOp               // = != < <= > >=
	tSelector         // $.a[0].b, JSON only
	tWord             // a name, a keyword or an unquoted value
	tString           // "quoted value"
	tRegex            // %regex%
	tEllipsis         // ..., space-delimited only
)

// token is one lexeme; pos and end delimit its text in the whole pattern.
type token struct {
	kind     tokKind
	pos, end int
	op       op     // tOp
	val      string // tString: the unquoted value
}

func (t token) text(pattern string) string { return pattern[t.pos:t.end] }

// lexMode says which of the two expression syntaxes is being read.
type lexMode uint8

const (
	modeJSON lexMode = iota
	modeDelimited
)

// wordStops end an unquoted word.
const wordStops = `()=!<>&|,"%`

// lex splits pattern[lo:hi] into tokens, ending with tEOF at hi.
func lex(pattern string, lo, hi int, mode lexMode) ([]token, error) {
	var toks []token
	i := lo
	for {
		i = skipSpace(pattern, i, hi)
		if i == hi {
			return append(toks, token{kind: tEOF, pos: hi, end: hi}), nil
		}
		t := token{pos: i, end: i + 1}
		switch c := pattern[i]; c {
		case '(':
			t.kind = tLParen
		case ')':
			t.kind = tRParen
		case ',':
			if mode != modeDelimited {
				return nil, syntaxError(pattern, i, ",", "unexpected ',' in a JSON filter pattern; join conditions with && or ||")
			}
			t.kind = tComma
		case '&', '|':
			if i+1 == hi || pattern[i+1] != c {
				return nil, syntaxError(pattern, i, string(c), "unexpected '%c'; the logical operators are && and ||", c)
			}
			t.kind, t.end = tAnd, i+2
			if c == '|' {
				t.kind = tOr
			}
		case '=':
			t.kind, t.op = tOp, opEq
		case '!':
			if i+1 == hi || pattern[i+1] != '=' {
				return nil, syntaxError(pattern, i, "!", "unexpected '!'; the not-equal operator is !=")
			}
			t.kind, t.op, t.end = tOp, opNe, i+2
		case '<', '>':
			t.kind, t.op = tOp, opLt
			if c == '>' {
				t.op = opGt
			}
			if i+1 < hi && pattern[i+1] == '=' {
				t.op++ // opLe, opGe
				t.end = i + 2
			}
		case '"':
			val, next, err := readQuoted(pattern, i, hi)
			if err != nil {
				return nil, err
			}
			t.kind, t.val, t.end = tString, val, next
		case '%':
			end := strings.IndexByte(pattern[i+1:hi], '%')
			if end < 0 {
				rest := restOf(pattern, i, hi)
				return nil, syntaxError(pattern, i, rest, "the regular expression %s has no closing '%%'", rest)
			}
			t.kind, t.end = tRegex, i+end+2
		case '$':
			if mode != modeJSON {
				return nil, invalidTerm(pattern, i, wordAt(pattern, i, hi), "")
			}
			end, err := selectorEnd(pattern, i, hi)
			if err != nil {
				return nil, err
			}
			t.kind, t.end = tSelector, end
		default:
			w := wordAt(pattern, i, hi)
			t.kind, t.end = tWord, i+len(w)
			if w == "..." && mode == modeDelimited {
				t.kind = tEllipsis
			}
		}
		toks = append(toks, t)
		i = t.end
	}
}

// wordAt returns the unquoted word that starts at pattern[i].
func wordAt(pattern string, i, hi int) string {
	j := i
	for j < hi && !isSpace(pattern[j]) && strings.IndexByte(wordStops, pattern[j]) < 0 {
		j++
	}
	if j == i { // a lone stop character the caller did not expect
		j++
	}
	return pattern[i:j]
}

// selectorEnd returns the end of the property selector at pattern[i]: it
// runs to a space or an operator, except inside brackets, where a quoted
// key ("$.['a b']") may hold anything.
func selectorEnd(pattern string, i, hi int) (int, error) {
	j := i + 1
	for j < hi {
		c := pattern[j]
		if isSpace(c) || strings.IndexByte("()=!<>&|,", c) >= 0 {
			break
		}
		if c != '[' {
			j++
			continue
		}
		open := j
		var quote byte
		for j++; ; j++ {
			if j >= hi {
				rest := restOf(pattern, i, hi)
				return 0, syntaxError(pattern, open, rest, "the selector %s has a '[' with no closing ']'", rest)
			}
			c := pattern[j]
			if quote != 0 {
				if c == '\\' {
					j++
				} else if c == quote {
					quote = 0
				}
				continue
			}
			if c == '\'' || c == '"' {
				quote = c
				continue
			}
			if c == ']' {
				break
			}
		}
		j++
	}
	return j, nil
}

// restOf is pattern[i:hi] without trailing spaces, for an error message.
func restOf(pattern string, i, hi int) string {
	_, hi = trimSpace(pattern, i, hi)
	return pattern[i:hi]
}

// describe names a token for an error message.
func (p *parser) describe(t token) string {
	if t.kind == tEOF {
		return "the end of the pattern"
	}
	return fmt.Sprintf("'%s'", t.text(p.pattern))
}

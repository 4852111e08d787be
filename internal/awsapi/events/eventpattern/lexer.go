package eventpattern

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EventBridge parses patterns with a streaming JSON parser (Jackson) and
// reports every error at the parser's position when it gave up, so the
// position is part of the message a client sees. lexer is a pull parser
// that keeps the same notion of "current position":
//
//   - a field name is read together with the colon and the start of its
//     value (the whole value for numbers and literals, the opening quote
//     for strings, the bracket for arrays and objects);
//   - a string value's body is read only when its text is asked for
//     (text), or skipped when the next token is;
//   - nothing past the root object is read (trailing text is ignored).

const expectedValue = "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"

// tokKind is a JSON token, as Jackson names them.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStartObject
	tokEndObject
	tokStartArray
	tokEndArray
	tokFieldName
	tokString
	tokNumber
	tokTrue
	tokFalse
	tokNull
)

// frame is an open array or object.
type frame struct {
	object  bool
	entries int // entries read so far; a comma comes before every later one
	start   int // offset of the opening bracket
}

// pending is the value token read with a field name, handed out by the
// next call to next.
type pending struct {
	kind       tokKind
	text       string
	incomplete bool
	start      int
}

type lexer struct {
	src        string
	pos        int // offset of the next unread byte
	kind       tokKind
	text       string // field name, number or literal text; a string once complete
	incomplete bool   // kind is tokString and its body is unread
	start      int    // offset where the current token began
	pend       *pending
	stack      []frame
}

func newLexer(src string) *lexer { return &lexer{src: src} }

// syntaxError is a malformed-JSON failure at an offset.
type syntaxError struct {
	reason string
	pos    int
}

// unexpected reports the character at pos, after consuming it as Jackson
// does before it complains.
func (l *lexer) unexpected(what string) error {
	desc := charDesc(l.src[l.pos:])
	_, size := utf8.DecodeRuneInString(l.src[l.pos:])
	l.pos += size
	return l.fail("Unexpected character (%s)%s", desc, what)
}

func (l *lexer) fail(format string, args ...any) error {
	return &syntaxError{reason: fmt.Sprintf(format, args...), pos: l.pos}
}

// next reads the next token.
func (l *lexer) next() (tokKind, error) {
	if l.pend != nil {
		p := l.pend
		l.pend = nil
		l.kind, l.text, l.incomplete, l.start = p.kind, p.text, p.incomplete, p.start
		l.open()
		return l.kind, nil
	}
	if l.incomplete {
		if _, err := l.finishString(); err != nil {
			return tokEOF, err
		}
		l.incomplete = false
	}
	l.skipSpace()
	if l.pos >= len(l.src) {
		if n := len(l.stack); n > 0 {
			f := l.stack[n-1]
			return tokEOF, l.fail("Unexpected end-of-input: expected close marker for %s (start marker at %s)",
				containerName(f.object), sourceRef(l.src, f.start))
		}
		l.kind = tokEOF
		return tokEOF, nil
	}
	c := l.src[l.pos]
	if c == ']' || c == '}' {
		return l.close(c)
	}
	var top *frame
	if n := len(l.stack); n > 0 {
		top = &l.stack[n-1]
		if top.entries > 0 {
			if c != ',' {
				return tokEOF, l.unexpected(": was expecting comma to separate " + containerName(top.object) + " entries")
			}
			l.pos++
			l.skipSpace()
		}
		top.entries++
	}
	if top != nil && top.object {
		return l.fieldName()
	}
	kind, text, incomplete, start, err := l.value()
	if err != nil {
		return tokEOF, err
	}
	l.kind, l.text, l.incomplete, l.start = kind, text, incomplete, start
	l.open()
	return kind, nil
}

// open pushes a frame when the current token starts a container.
func (l *lexer) open() {
	switch l.kind {
	case tokStartObject:
		l.stack = append(l.stack, frame{object: true, start: l.start})
	case tokStartArray:
		l.stack = append(l.stack, frame{start: l.start})
	}
}

func (l *lexer) close(c byte) (tokKind, error) {
	n := len(l.stack)
	if n == 0 {
		l.pos++
		return tokEOF, l.fail("Unexpected close marker '%c': no open container to close", c)
	}
	f := l.stack[n-1]
	if f.object != (c == '}') {
		want := byte(']')
		if f.object {
			want = '}'
		}
		l.pos++
		return tokEOF, l.fail("Unexpected close marker '%c': expected '%c' (for %s starting at %s)",
			c, want, containerName(f.object), sourceRef(l.src, f.start))
	}
	l.stack = l.stack[:n-1]
	l.start = l.pos
	l.pos++
	l.kind, l.text, l.incomplete = tokEndArray, "]", false
	if f.object {
		l.kind, l.text = tokEndObject, "}"
	}
	return l.kind, nil
}

func (l *lexer) fieldName() (tokKind, error) {
	if l.pos >= len(l.src) || l.src[l.pos] != '"' {
		if l.pos >= len(l.src) {
			return tokEOF, l.fail("Unexpected end-of-input within/between Object entries")
		}
		return tokEOF, l.unexpected(": was expecting double-quote to start field name")
	}
	start := l.pos
	l.pos++
	name, err := l.finishString()
	if err != nil {
		return tokEOF, err
	}
	l.skipSpace()
	if l.pos >= len(l.src) {
		return tokEOF, l.fail("Unexpected end-of-input within/between Object entries")
	}
	if l.src[l.pos] != ':' {
		return tokEOF, l.unexpected(": was expecting a colon to separate field name and value")
	}
	l.pos++
	l.skipSpace()
	kind, text, incomplete, vstart, err := l.value()
	if err != nil {
		return tokEOF, err
	}
	l.pend = &pending{kind: kind, text: text, incomplete: incomplete, start: vstart}
	l.kind, l.text, l.incomplete, l.start = tokFieldName, name, false, start
	return tokFieldName, nil
}

// value reads the start of a value at pos: all of a number or literal,
// the opening quote of a string, or the bracket of a container.
func (l *lexer) value() (kind tokKind, text string, incomplete bool, start int, err error) {
	start = l.pos
	if l.pos >= len(l.src) {
		if n := len(l.stack); n > 0 {
			f := l.stack[n-1]
			return tokEOF, "", false, start, l.fail("Unexpected end-of-input: expected close marker for %s (start marker at %s)",
				containerName(f.object), sourceRef(l.src, f.start))
		}
		return tokEOF, "", false, start, nil
	}
	switch c := l.src[l.pos]; {
	case c == '"':
		l.pos++
		return tokString, "", true, start, nil
	case c == '[':
		l.pos++
		return tokStartArray, "[", false, start, nil
	case c == '{':
		l.pos++
		return tokStartObject, "{", false, start, nil
	case c == '-' || (c >= '0' && c <= '9'):
		text, err := l.number()
		return tokNumber, text, false, start, err
	case isIdentByte(c) || c >= utf8.RuneSelf:
		word := l.word()
		switch word {
		case "true":
			return tokTrue, word, false, start, nil
		case "false":
			return tokFalse, word, false, start, nil
		case "null":
			return tokNull, word, false, start, nil
		}
		if word == "" {
			return tokEOF, "", false, start, l.unexpected(": " + expectedValue)
		}
		return tokEOF, "", false, start, l.fail("Unrecognized token '%s': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", word)
	default:
		return tokEOF, "", false, start, l.unexpected(": " + expectedValue)
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// word reads a run of identifier characters, as Jackson does to quote an
// unrecognized token.
func (l *lexer) word() string {
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c < utf8.RuneSelf {
			if !isIdentByte(c) {
				break
			}
			l.pos++
			continue
		}
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		l.pos += size
	}
	return l.src[start:l.pos]
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (l *lexer) number() (string, error) {
	start := l.pos
	if l.src[l.pos] == '-' {
		l.pos++
		if l.pos >= len(l.src) || !isDigit(l.src[l.pos]) {
			return "", l.numberFail("expected digit (0-9) to follow minus sign, for valid numeric value")
		}
	}
	if l.src[l.pos] == '0' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1]) {
		l.pos++
		return "", l.fail("Invalid numeric value: Leading zeroes not allowed")
	}
	l.digits()
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		if l.pos >= len(l.src) || !isDigit(l.src[l.pos]) {
			return "", l.numberFail("Decimal point not followed by a digit")
		}
		l.digits()
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		l.pos++
		if l.pos < len(l.src) && (l.src[l.pos] == '+' || l.src[l.pos] == '-') {
			l.pos++
		}
		if l.pos >= len(l.src) || !isDigit(l.src[l.pos]) {
			return "", l.numberFail("Exponent indicator not followed by a digit")
		}
		l.digits()
	}
	return l.src[start:l.pos], nil
}

func (l *lexer) numberFail(what string) error {
	if l.pos >= len(l.src) {
		return l.fail("Unexpected end-of-input in numeric value: %s", what)
	}
	return l.unexpected(" in numeric value: " + what)
}

func (l *lexer) digits() {
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

// str returns the current string token's value, reading its body first
// if it is still unread (which moves the position past the closing quote,
// as Jackson's getText does).
func (l *lexer) str() (string, error) {
	if l.incomplete {
		s, err := l.finishString()
		if err != nil {
			return "", err
		}
		l.text, l.incomplete = s, false
	}
	return l.text, nil
}

// tokenText is the current token as Jackson's getText shows it.
func (l *lexer) tokenText() (string, error) {
	switch l.kind {
	case tokString:
		return l.str()
	case tokEOF:
		return "", nil
	}
	return l.text, nil
}

// finishString reads a string body from pos (just past the opening quote)
// through the closing quote and returns its decoded value.
func (l *lexer) finishString() (string, error) {
	start := l.pos
	for i := l.pos; i < len(l.src); i++ {
		c := l.src[i]
		if c == '"' {
			l.pos = i + 1
			return l.src[start:i], nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	var b strings.Builder
	for {
		if l.pos >= len(l.src) {
			return "", l.fail("Unexpected end-of-input: was expecting closing quote for a string value")
		}
		c := l.src[l.pos]
		switch {
		case c == '"':
			l.pos++
			return b.String(), nil
		case c < 0x20:
			l.pos++
			return "", l.fail("Illegal unquoted character ((CTRL-CHAR, code %d)): has to be escaped using backslash to be included in string value", c)
		case c == '\\':
			l.pos++
			if err := l.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
}

func (l *lexer) escape(b *strings.Builder) error {
	if l.pos >= len(l.src) {
		return l.fail("Unexpected end-of-input in character escape sequence")
	}
	c := l.src[l.pos]
	l.pos++
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r, err := l.hex4()
		if err != nil {
			return err
		}
		if utf16IsHigh(r) && strings.HasPrefix(l.src[l.pos:], `\u`) {
			save := l.pos
			l.pos += 2
			lo, err := l.hex4()
			if err != nil {
				return err
			}
			if utf16IsLow(lo) {
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
			} else {
				l.pos = save
			}
		}
		b.WriteRune(r)
	default:
		return l.fail("Unrecognized character escape %s", charDesc(l.src[l.pos-1:]))
	}
	return nil
}

func utf16IsHigh(r rune) bool { return r >= 0xD800 && r < 0xDC00 }
func utf16IsLow(r rune) bool  { return r >= 0xDC00 && r < 0xE000 }

func (l *lexer) hex4() (rune, error) {
	var r rune
	for range 4 {
		if l.pos >= len(l.src) {
			return 0, l.fail("Unexpected end-of-input in character escape sequence")
		}
		c := l.src[l.pos]
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, l.unexpected(": expected a hex-digit for character escape sequence")
		}
		r = r<<4 | rune(v)
		l.pos++
	}
	return r, nil
}

func containerName(object bool) string {
	if object {
		return "Object"
	}
	return "Array"
}

// charDesc describes the character at the start of s as Jackson does:
// 'x' (code 120), or (CTRL-CHAR, code 10) for control characters.
func charDesc(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	switch {
	case unicode.IsControl(r):
		return fmt.Sprintf("(CTRL-CHAR, code %d)", r)
	case r > 255:
		return fmt.Sprintf("'%c' (code %d / 0x%x)", r, r, r)
	}
	return fmt.Sprintf("'%c' (code %d)", r, r)
}

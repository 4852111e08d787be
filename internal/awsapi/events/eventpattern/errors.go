package eventpattern

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is an invalid event pattern. Its Error text is the message of
// EventBridge's InvalidEventPatternException, for example
//
//	Event pattern is not valid. Reason: Empty arrays are not allowed
//	 at [Source: (String)"{"source": []}"; line: 1, column: 14]
//
// The "at [Source: …]" part names the place where EventBridge's JSON
// parser stopped; it is left out for the few reasons AWS gives without a
// place (a malformed CIDR, for one).
type Error struct {
	// Reason says what is wrong, in EventBridge's words.
	Reason string
	// Line and Column locate the parser when it gave up, 1-based; zero
	// when the reason has no place.
	Line, Column int

	source string
}

// Error returns the InvalidEventPatternException message.
func (e *Error) Error() string {
	msg := "Event pattern is not valid. Reason: " + e.Reason
	if e.Line > 0 {
		msg += "\n at " + location(e.source, e.Line, e.Column)
	}
	return msg
}

// maxSourceShown is how much of the pattern Jackson quotes in a location.
const maxSourceShown = 500

// location formats a parser position as Jackson does.
func location(src string, line, col int) string {
	return fmt.Sprintf("[Source: %s; line: %d, column: %d]", quoteSource(src), line, col)
}

func quoteSource(src string) string {
	n := utf8.RuneCountInString(src)
	if n <= maxSourceShown {
		return `(String)"` + src + `"`
	}
	cut := 0
	for range maxSourceShown {
		_, size := utf8.DecodeRuneInString(src[cut:])
		cut += size
	}
	return fmt.Sprintf(`(String)"%s"[truncated %d chars]`, src[:cut], n-maxSourceShown)
}

// lineColumn converts a byte offset into Jackson's 1-based line and column
// (columns count characters, lines end at '\n').
func lineColumn(src string, off int) (line, col int) {
	off = min(off, len(src))
	lineStart := strings.LastIndexByte(src[:off], '\n') + 1
	return strings.Count(src[:off], "\n") + 1, utf8.RuneCountInString(src[lineStart:off]) + 1
}

// sourceRef is a location used inside a reason (Jackson cites where an
// unclosed container started).
func sourceRef(src string, off int) string {
	line, col := lineColumn(src, off)
	return location(src, line, col)
}

// errAt is an *Error located at the lexer's position.
func errAt(src string, off int, reason string) *Error {
	line, col := lineColumn(src, off)
	return &Error{Reason: reason, Line: line, Column: col, source: src}
}

// asError turns a lexer failure into an *Error.
func asError(src string, err error) error {
	var se *syntaxError
	if errors.As(err, &se) {
		return errAt(src, se.pos, se.reason)
	}
	return err
}

func (e *syntaxError) Error() string { return e.reason }

// EventError is an event that cannot be matched because it is not a JSON
// object. Its Error text is what EventBridge's TestEventPattern answers
// (a ValidationException); Reason says why.
type EventError struct {
	Reason string
}

// Error returns the ValidationException message.
func (e *EventError) Error() string { return "Parameter Event is not valid." }

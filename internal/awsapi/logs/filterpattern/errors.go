package filterpattern

import (
	"fmt"
	"unicode/utf8"
)

// Error is a filter pattern that does not compile. Its Error text is meant
// for the client, as the message of CloudWatch Logs' InvalidParameterException:
// it uses AWS's wording where AWS has some ("Invalid character(s) in term
// '…'", "If a filter pattern starts with '{' it must end with '}'") and says
// where in the pattern the problem is.
type Error struct {
	// Pattern is the filter pattern as given to Compile.
	Pattern string
	// Offset is the byte offset in Pattern at which the problem was found.
	Offset int
	// Term is the term or token at fault, or "" when the problem is the
	// shape of the whole pattern.
	Term string
	// Reason says what is wrong, without the position.
	Reason string
}

// Error returns Reason followed by the character position of the problem.
func (e *Error) Error() string {
	return fmt.Sprintf("%s (at character %d of the filter pattern)", e.Reason, e.Position())
}

// Position is the 1-based position, in characters rather than bytes, of
// Offset in Pattern.
func (e *Error) Position() int {
	off := min(max(e.Offset, 0), len(e.Pattern))
	return utf8.RuneCountInString(e.Pattern[:off]) + 1
}

// invalidTerm is AWS's answer to a term with characters the syntax does not
// allow there; why, when not empty, says which and what to do instead.
func invalidTerm(pattern string, off int, term, why string) *Error {
	reason := fmt.Sprintf("Invalid character(s) in term '%s'", term)
	if why != "" {
		reason += ": " + why
	}
	return &Error{Pattern: pattern, Offset: off, Term: term, Reason: reason}
}

// syntaxError is any other malformed pattern, under AWS's generic
// "Invalid filter pattern" with the detail AWS leaves out.
func syntaxError(pattern string, off int, term, format string, args ...any) *Error {
	return &Error{
		Pattern: pattern,
		Offset:  off,
		Term:    term,
		Reason:  "Invalid filter pattern: " + fmt.Sprintf(format, args...),
	}
}

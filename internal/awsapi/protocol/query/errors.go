package query

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DecodeError reports a request parameter whose value does not parse as its
// member's type. The caller answers it with AWS's ValidationError (or
// MalformedQueryString); its message is fit to send to the client.
type DecodeError struct {
	Param string // the parameter as sent, e.g. "Tags.member.2.Value"
	Value string // the value as sent
	Type  string // what was expected: "integer", "boolean", "timestamp", …
	Err   error  // the underlying cause
}

// maxQuoted bounds how much of a bad value the message repeats.
const maxQuoted = 128

func (e *DecodeError) Error() string {
	value := e.Value
	if len(value) > maxQuoted {
		value = strings.ToValidUTF8(value[:maxQuoted], "") + "..."
	}
	if errors.Is(e.Err, strconv.ErrRange) {
		return fmt.Sprintf("Value '%s' for parameter %s is out of range for %s.", value, e.Param, article(e.Type))
	}
	return fmt.Sprintf("Value '%s' for parameter %s is not a valid %s.", value, e.Param, e.Type)
}

func (e *DecodeError) Unwrap() error { return e.Err }

func article(typ string) string {
	switch typ[:min(len(typ), 1)] {
	case "a", "e", "i", "o", "u":
		return "an " + typ
	}
	return "a " + typ
}

package schedule

import (
	"strings"
	"time"
)

// Schedule is a parsed schedule expression.
type Schedule interface {
	// Next returns the first fire time strictly after t, in UTC and on a
	// whole minute; the zero time if the schedule never fires again (a
	// cron expression whose years are past).
	Next(t time.Time) time.Time
	// String returns the expression, its spacing normalized.
	String() string
}

// Error is a schedule expression EventBridge would refuse. Its Error text
// is PutRule's ValidationException message, which names no reason; Reason
// says what is wrong, for logs and for people.
type Error struct {
	Expr   string
	Reason string
}

// Error returns the ValidationException message.
func (e *Error) Error() string { return "Parameter ScheduleExpression is not valid." }

// Parse parses "rate(value unit)" or
// "cron(minutes hours day-of-month month day-of-week year)". The keywords
// and rate units are lower case, as AWS writes them; cron month and day
// names may be any case. Errors are *Error.
func Parse(expr string) (Schedule, error) {
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		return parseRate(expr, expr[len("rate("):len(expr)-1])
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		return parseCron(expr, expr[len("cron("):len(expr)-1])
	}
	return nil, &Error{Expr: expr, Reason: `want "rate(value unit)" or "cron(minutes hours day-of-month month day-of-week year)"`}
}

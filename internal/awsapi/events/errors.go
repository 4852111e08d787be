package events

import (
	"errors"
	"net/http"
	"regexp"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// validation is EventBridge's ValidationException (not in the model's
// error list: it is a common error of every awsJson service).
func validation(format string, args ...any) *protocol.Error {
	return protocol.Errorf("ValidationException", http.StatusBadRequest, format, args...)
}

func notFound(format string, args ...any) *protocol.Error {
	return protocol.Errorf(eventstypes.ErrResourceNotFoundException, http.StatusBadRequest, format, args...)
}

func alreadyExists(format string, args ...any) *protocol.Error {
	return protocol.Errorf(eventstypes.ErrResourceAlreadyExistsException, http.StatusBadRequest, format, args...)
}

func limitExceeded(format string, args ...any) *protocol.Error {
	return protocol.Errorf(eventstypes.ErrLimitExceededException, http.StatusBadRequest, format, args...)
}

func ruleNotFound(name string) *protocol.Error {
	return notFound("Rule %s does not exist on EventBus %s.", name, defaultBus)
}

// constraint is the AWS wording for a parameter that breaks its model
// constraint:
//
//	1 validation error detected: Value 'x' at 'name' failed to satisfy
//	constraint: Member must satisfy regular expression pattern: …
func constraint(value any, field, rule string) *protocol.Error {
	return validation("%s", protocol.ConstraintViolation(value, field, rule))
}

// lengthBetween checks a string's length as the model's min/max do.
func lengthBetween(v, field string, lo, hi int) error {
	if msg := protocol.LengthViolation(v, field, lo, hi); msg != "" {
		return validation("%s", msg)
	}
	return nil
}

// namePattern is the pattern of rule, target id, connection and API
// destination names.
var namePattern = regexp.MustCompile(`^[\.\-_A-Za-z0-9]+$`)

// validName checks a 1–64 character name of [.-_A-Za-z0-9].
func validName(v, field string) error {
	if err := lengthBetween(v, field, 1, 64); err != nil {
		return err
	}
	if !namePattern.MatchString(v) {
		return constraint(v, field, `satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`)
	}
	return nil
}

// required answers the error of a missing required member.
func required(field string) *protocol.Error {
	return validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
}

// permanentError marks a delivery failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as a delivery failure that is not retried: the
// target does not exist, or the role may not act on it.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// isPermanent reports whether err was marked by Permanent.
func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// invalidPattern answers InvalidEventPatternException with the pattern
// compiler's words.
func invalidPattern(err error) *protocol.Error {
	return protocol.Errorf(eventstypes.ErrInvalidEventPatternException, http.StatusBadRequest, "%s", err.Error())
}

func concurrentModification() *protocol.Error {
	return protocol.Errorf(eventstypes.ErrConcurrentModificationException, http.StatusBadRequest,
		"Another request modified the resource at the same time. Try again.")
}

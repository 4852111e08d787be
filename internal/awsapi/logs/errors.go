package logs

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/logs/logstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

func invalidParameter(format string, args ...any) *protocol.Error {
	return protocol.Errorf(logstypes.ErrInvalidParameterException, http.StatusBadRequest, format, args...)
}

func notFound(format string, args ...any) *protocol.Error {
	return protocol.Errorf(logstypes.ErrResourceNotFoundException, http.StatusBadRequest, format, args...)
}

func alreadyExists(format string, args ...any) *protocol.Error {
	return protocol.Errorf(logstypes.ErrResourceAlreadyExistsException, http.StatusBadRequest, format, args...)
}

func groupNotFound() *protocol.Error  { return notFound("The specified log group does not exist.") }
func streamNotFound() *protocol.Error { return notFound("The specified log stream does not exist.") }

// constraint is the wording for a parameter that breaks its
// model constraint:
//
//	1 validation error detected: Value 'x' at 'logGroupName' failed to
//	satisfy constraint: Member must satisfy regular expression pattern: …
func constraint(value any, field, rule string) *protocol.Error {
	return invalidParameter("%s", protocol.ConstraintViolation(value, field, rule))
}

// lengthBetween checks a string's length as the model's min/max do.
func lengthBetween(v, field string, lo, hi int) error {
	if msg := protocol.LengthViolation(v, field, lo, hi); msg != "" {
		return invalidParameter("%s", msg)
	}
	return nil
}

// validGroupName checks a log group name: 1–512 of [.-_/#A-Za-z0-9].
func validGroupName(name, field string) error {
	if err := lengthBetween(name, field, 1, 512); err != nil {
		return err
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-/#", c)) {
			return constraint(name, field, `satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`)
		}
	}
	return nil
}

// validStreamName checks a log stream name: 1–512 of anything but ':' and
// '*'.
func validStreamName(name, field string) error {
	if err := lengthBetween(name, field, 1, 512); err != nil {
		return err
	}
	if strings.ContainsAny(name, ":*") {
		return constraint(name, field, "satisfy regular expression pattern: [^:*]*")
	}
	return nil
}

// limitBetween checks an optional limit parameter.
func limitBetween(v *int32, field string, lo, hi, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	switch {
	case int(*v) < lo:
		return 0, constraint(*v, field, fmt.Sprintf("have value greater than or equal to %d", lo))
	case int(*v) > hi:
		return 0, constraint(*v, field, fmt.Sprintf("have value less than or equal to %d", hi))
	}
	return int(*v), nil
}

package iam

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// iamError builds a client error with an IAM code and the status the model
// gives it.
func iamError(code, format string, args ...any) *protocol.Error {
	status, ok := iamtypes.ErrorStatus[code]
	if !ok {
		status = http.StatusBadRequest
	}
	return protocol.Errorf(code, status, format, args...)
}

func noSuchRole(name string) *protocol.Error {
	return iamError(iamtypes.ErrNoSuchEntityException, "The role with name %s cannot be found.", name)
}

func noSuchRolePolicy(name string) *protocol.Error {
	return iamError(iamtypes.ErrNoSuchEntityException, "The role policy with name %s cannot be found.", name)
}

func limitExceeded(format string, args ...any) *protocol.Error {
	return iamError(iamtypes.ErrLimitExceededException, format, args...)
}

func malformedPolicy(msg string) *protocol.Error {
	return iamError(iamtypes.ErrMalformedPolicyDocumentException, "%s", msg)
}

func invalidInput(format string, args ...any) *protocol.Error {
	return iamError(iamtypes.ErrInvalidInputException, format, args...)
}

// internal wraps a store failure with context; the gateway logs it and
// answers InternalFailure.
func internal(what string, err error) error {
	return fmt.Errorf("iam: %s: %w", what, err)
}

// violations collects model-constraint failures and reports them in one
// ValidationError, as IAM's front end does:
//
//	2 validation errors detected: Value 'a b' at 'roleName' failed to
//	satisfy constraint: Member must satisfy regular expression pattern:
//	[\w+=,.@-]+; Value '10' at 'maxSessionDuration' failed to satisfy
//	constraint: Member must have value greater than or equal to 3600
type violations []string

func (v *violations) add(value any, field, rule string) {
	shown := "null"
	if value != nil {
		shown = fmt.Sprintf("'%v'", value)
	}
	*v = append(*v, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: Member must %s", shown, field, rule))
}

// required records a missing required member.
func (v *violations) required(value, field string) bool {
	if value == "" {
		v.add(nil, field, "not be null")
		return false
	}
	return true
}

// length checks a string's length in characters, as the model's min/max do.
func (v *violations) length(value, field string, lo, hi int) bool {
	n := len([]rune(value))
	switch {
	case n < lo:
		v.add(value, field, fmt.Sprintf("have length greater than or equal to %d", lo))
	case n > hi:
		v.add(value, field, fmt.Sprintf("have length less than or equal to %d", hi))
	default:
		return true
	}
	return false
}

func (v *violations) between(value int32, field string, lo, hi int32) {
	switch {
	case value < lo:
		v.add(value, field, fmt.Sprintf("have value greater than or equal to %d", lo))
	case value > hi:
		v.add(value, field, fmt.Sprintf("have value less than or equal to %d", hi))
	}
}

func (v *violations) pattern(value, field, pattern string, ok bool) {
	if !ok {
		v.add(value, field, "satisfy regular expression pattern: "+pattern)
	}
}

// err returns the ValidationError, or nil when nothing was recorded.
func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return protocol.ValidationError("1 validation error detected: %s", v[0])
	}
	return protocol.ValidationError("%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

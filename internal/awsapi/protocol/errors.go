package protocol

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error the client sees: an AWS error code, a message a person
// can act on, and the HTTP status. Services return it (wrapped or not);
// anything else reaching the edge becomes an internal error.
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Sender reports whether the fault is the caller's (4xx), as the awsQuery
// envelope's <Type> element says.
func (e *Error) Sender() bool { return e.Status < 500 }

// Errorf builds an Error with a formatted message.
func Errorf(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// Common errors shared by every service. Service-specific codes
// (ClusterNotFoundException, …) are built by the service packages.

// ValidationError is the awsQuery services' input error; awsJson services
// each have their own (ECS: ClientException / InvalidParameterException).
func ValidationError(format string, args ...any) *Error {
	return Errorf("ValidationError", http.StatusBadRequest, format, args...)
}

// SerializationError reports a body that does not decode into the input
// shape.
func SerializationError(format string, args ...any) *Error {
	return Errorf("SerializationException", http.StatusBadRequest, format, args...)
}

// UnknownOperation reports an X-Amz-Target or Action the service lacks.
func UnknownOperation(op string) *Error {
	return Errorf("UnknownOperationException", http.StatusBadRequest, "The operation %s is not supported.", op)
}

// InternalError hides an unexpected failure from the client; the cause is
// logged with the request id, never sent.
func InternalError() *Error {
	return &Error{Code: "InternalFailure", Status: http.StatusInternalServerError,
		Message: "The request processing has failed because of an unknown error, exception or failure."}
}

// AsError extracts the client-visible error from err, or reports false.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

package ecs

import (
	"fmt"
	"net/http"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// ECS error codes, as the model names them.
const (
	codeClient                  = "ClientException"
	codeInvalidParameter        = "InvalidParameterException"
	codeClusterNotFound         = "ClusterNotFoundException"
	codeClusterContainsServices = "ClusterContainsServicesException"
	codeClusterContainsTasks    = "ClusterContainsTasksException"
	codeResourceNotFound        = "ResourceNotFoundException"
)

func clientError(format string, args ...any) *protocol.Error {
	return protocol.Errorf(codeClient, http.StatusBadRequest, format, args...)
}

func invalidParameter(format string, args ...any) *protocol.Error {
	return protocol.Errorf(codeInvalidParameter, http.StatusBadRequest, format, args...)
}

func clusterNotFound() *protocol.Error {
	return protocol.Errorf(codeClusterNotFound, http.StatusBadRequest, "Cluster not found.")
}

func resourceNotFound(format string, args ...any) *protocol.Error {
	return protocol.Errorf(codeResourceNotFound, http.StatusBadRequest, format, args...)
}

// missing reports an absent required parameter the way ECS does.
func missing(name string) *protocol.Error {
	return invalidParameter("%s can not be blank.", name)
}

// internal wraps a store failure with context; the gateway logs it and
// answers ServerException-like InternalFailure.
func internal(what string, err error) error {
	return fmt.Errorf("%s: %w", what, err)
}

func clusterError(code, msg string) *protocol.Error {
	return &protocol.Error{Code: code, Status: http.StatusBadRequest, Message: msg}
}

// passClientError returns err as is when it is a client error, else wraps
// it as an internal failure of what.
func passClientError(err error, what string) error {
	if _, ok := protocol.AsError(err); ok {
		return err
	}
	return internal(what, err)
}

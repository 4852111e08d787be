package ec2query

import (
	"io"
	"net/url"

	"github.com/berth-dev/berth/internal/awsapi/protocol/query"
)

// DecodeError reports a request parameter whose value does not parse as its
// member's type. It is query's, so one mapping to AWS's error codes serves
// both protocols; its message names the parameter and is fit to send.
type DecodeError = query.DecodeError

// Decode fills the structure v points to from form values as botocore's
// EC2Serializer writes them; see query.DecodeEC2.
func Decode(values url.Values, v any) error { return query.DecodeEC2(values, v) }

// WriteResponse writes the EC2 response for action; see
// query.WriteEC2Response.
func WriteResponse(w io.Writer, action, xmlns string, out any, requestID string) error {
	return query.WriteEC2Response(w, action, xmlns, out, requestID)
}

// WriteError writes the EC2 error envelope; see query.WriteEC2Error.
func WriteError(w io.Writer, code, message, requestID string) error {
	return query.WriteEC2Error(w, code, message, requestID)
}

package protocol

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// Principal is who signed a request. Every request records one; the
// authorizer decides on it.
type Principal struct {
	AccountID   string
	ARN         string // arn:aws:iam::<account>:root, a user, or an assumed role
	AccessKeyID string
	Root        bool
	// UserID is the principal's id as GetCallerIdentity reports it: the
	// account id for the root user, <role id>:<session name> for a role
	// session.
	UserID string
	// RoleARN, RoleID and SessionName are set for a role session
	// (temporary credentials from STS or the task credentials endpoint);
	// ARN is then arn:aws:sts::<account>:assumed-role/<role>/<session>.
	RoleARN     string
	RoleID      string // AROA…
	SessionName string
}

// RequestInfo is what the gateway learned about a request before the
// operation runs.
type RequestInfo struct {
	RequestID string
	Service   string // signing name, e.g. "ecs"
	Operation string // e.g. "RegisterTaskDefinition"
	Region    string // from the credential scope
	Principal Principal
}

// Account is the account the request acts in.
func (r *RequestInfo) Account() string { return r.Principal.AccountID }

type requestKey struct{}

// WithRequest attaches info to ctx.
func WithRequest(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, info)
}

// Request returns the RequestInfo of ctx. Operations are only called by the
// gateway, which always sets it; a missing one is a programming error.
func Request(ctx context.Context) *RequestInfo {
	info, _ := ctx.Value(requestKey{}).(*RequestInfo)
	if info == nil {
		panic("protocol: context has no RequestInfo")
	}
	return info
}

// NewRequestID returns an id in the UUID form AWS uses for x-amzn-RequestId.
func NewRequestID() string { return NewUUID() }

// NewUUID returns a random (version 4) UUID, the form of AWS's request,
// event and attachment ids.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

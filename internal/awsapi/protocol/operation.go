package protocol

import (
	"context"
)

// Wire protocols a service can speak.
type Wire int

const (
	AWSJSON11 Wire = iota + 1 // X-Amz-Target, application/x-amz-json-1.1
	AWSJSON10                 // X-Amz-Target, application/x-amz-json-1.0
	AWSQuery                  // form-encoded Action=…, XML responses
	EC2Query                  // EC2's dialect of query: flattened lists, no Result wrapper
)

// IsQuery reports whether w is a form-encoded, XML-answering protocol.
func (w Wire) IsQuery() bool { return w == AWSQuery || w == EC2Query }

// Operation is one API call a service serves.
type Operation struct {
	Name string // AWS operation name, e.g. "RegisterTaskDefinition"
	// Action is the IAM action that authorizes it, e.g.
	// "ecs:RegisterTaskDefinition".
	Action string
	// Resource names the ARN the call acts on, for authorization; nil
	// means "*" (calls that act on no single resource, such as List*).
	Resource func(ctx context.Context, input any) string
	// NewInput returns a pointer to a zero input shape to decode into.
	NewInput func() any
	// Call runs the operation; the output is the output shape (or nil
	// for an empty one).
	Call func(ctx context.Context, input any) (any, error)
}

// Op builds an Operation from a typed method, so routes read as a table:
//
//	protocol.Op("ecs", "CreateCluster", s.CreateCluster)
func Op[I, O any](service, name string, fn func(context.Context, *I) (*O, error)) Operation {
	return Operation{
		Name:     name,
		Action:   service + ":" + name,
		NewInput: func() any { return new(I) },
		Call: func(ctx context.Context, in any) (any, error) {
			out, err := fn(ctx, in.(*I))
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	}
}

// WithResource returns op with its resource function set.
func (op Operation) WithResource(fn func(ctx context.Context, input any) string) Operation {
	op.Resource = fn
	return op
}

// Service describes one AWS service berth serves.
type Service struct {
	// SigningName is the service in the SigV4 credential scope ("ecs").
	SigningName string
	Wire        Wire
	// TargetPrefix is the X-Amz-Target prefix for JSON services
	// ("AmazonEC2ContainerServiceV20141113").
	TargetPrefix string
	// XMLNamespace is the response namespace for query services.
	XMLNamespace string
	// Version is the API version query clients send.
	Version    string
	Operations []Operation
}

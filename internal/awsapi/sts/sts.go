// Package sts serves the AWS Security Token Service API (awsQuery):
// GetCallerIdentity, which tells a client which account and principal its
// credentials map to, and AssumeRole, which hands out temporary
// credentials (a session, see account.Session) of an IAM role.
package sts

import (
	"context"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/iam"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/sts/ststypes"
	"github.com/berth-dev/berth/internal/store"
)

// Roles is where AssumeRole finds roles; iam.Service implements it.
type Roles interface {
	// RoleByARN returns the role arn names in account, or an error
	// wrapping iam.ErrNoSuchRole.
	RoleByARN(ctx context.Context, account, arn string) (*iam.Role, error)
}

// Service implements the STS operations.
type Service struct {
	store store.Store
	roles Roles
}

// Option configures the service.
type Option func(*Service)

// WithRoles lets the service serve AssumeRole: sessions are stored in st
// and roles read from roles. Without it only GetCallerIdentity is served.
func WithRoles(st store.Store, roles Roles) Option {
	return func(s *Service) { s.store, s.roles = st, roles }
}

// New returns the STS service.
func New(opts ...Option) *Service {
	s := &Service{}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Service describes STS for the gateway.
func (s *Service) Service() *protocol.Service {
	ops := []protocol.Operation{protocol.Op("sts", "GetCallerIdentity", s.GetCallerIdentity)}
	if s.roles != nil {
		ops = append(ops, protocol.Op("sts", "AssumeRole", s.AssumeRole).WithResource(assumeRoleResource))
	}
	return &protocol.Service{
		SigningName:  "sts",
		Wire:         protocol.AWSQuery,
		XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
		Version:      "2011-06-15",
		Operations:   ops,
	}
}

// assumeRoleResource is the role an AssumeRole names, for the authorizer.
func assumeRoleResource(_ context.Context, in any) string {
	if arn := in.(*ststypes.AssumeRoleRequest).RoleArn; arn != "" {
		return arn
	}
	return "*"
}

// GetCallerIdentity returns the account, ARN and user id of the caller:
// for a role session the assumed-role ARN and <role id>:<session name>.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *ststypes.GetCallerIdentityRequest) (*ststypes.GetCallerIdentityResponse, error) {
	p := protocol.Request(ctx).Principal
	userID := p.UserID
	if userID == "" {
		userID = p.AccountID // AWS reports the account id as the root user's id
		if !p.Root {
			userID = p.AccessKeyID
			if i := strings.LastIndex(p.ARN, "/"); i >= 0 {
				userID += ":" + p.ARN[i+1:]
			}
		}
	}
	return &ststypes.GetCallerIdentityResponse{Account: p.AccountID, Arn: p.ARN, UserId: userID}, nil
}

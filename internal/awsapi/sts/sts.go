// Package sts serves the AWS Security Token Service API (awsQuery). For now
// GetCallerIdentity, which tells a client which account and principal its
// credentials map to; AssumeRole and session credentials come with IAM.
package sts

import (
	"context"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/sts/ststypes"
)

// Service implements the STS operations.
type Service struct{}

// New returns the STS service.
func New() *Service { return &Service{} }

// Service describes STS for the gateway.
func (s *Service) Service() *protocol.Service {
	return &protocol.Service{
		SigningName:  "sts",
		Wire:         protocol.AWSQuery,
		XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
		Version:      "2011-06-15",
		Operations: []protocol.Operation{
			protocol.Op("sts", "GetCallerIdentity", s.GetCallerIdentity),
		},
	}
}

// GetCallerIdentity returns the account, ARN and user id of the caller.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *ststypes.GetCallerIdentityRequest) (*ststypes.GetCallerIdentityResponse, error) {
	p := protocol.Request(ctx).Principal
	userID := p.AccountID // AWS reports the account id as the root user's id
	if !p.Root {
		userID = p.AccessKeyID
		if i := strings.LastIndex(p.ARN, "/"); i >= 0 {
			userID += ":" + p.ARN[i+1:]
		}
	}
	return &ststypes.GetCallerIdentityResponse{Account: p.AccountID, Arn: p.ARN, UserId: userID}, nil
}

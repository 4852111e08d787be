// Package iam serves the part of the AWS IAM API that berth's task roles
// need (awsQuery): roles, their trust policies, inline policies and tags.
// Methods are named after the operations and know nothing of HTTP;
// routes.go lists them. api.go is the Go API the rest of berth uses:
// looking up a role for a task, for STS and for the authorizer.
//
// IAM is global: a role belongs to an account, not to a region. Roles are
// stored under /iam-role/<account>/global/<lower-cased role name>, since
// role names are unique without regard to case; each record carries the
// role's inline policies, so a role and its policies change together.
//
// Policy documents are validated by package policy with IAM's
// MalformedPolicyDocument messages, stored as written, and returned
// URL-encoded as IAM returns them.
package iam

import (
	"context"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
)

// Store kinds this package owns; the state reset deletes them per account.
const kindRole = "iam-role"

// globalRegion stands in for the region in the keys of global records.
const globalRegion = "global"

// Kinds lists every store kind of this package.
var Kinds = []string{kindRole}

// Service implements the IAM operations.
type Service struct {
	store store.Store
}

// New returns the IAM service over s.
func New(s store.Store) *Service { return &Service{store: s} }

// Service describes IAM for the gateway.
func (s *Service) Service() *protocol.Service {
	return &protocol.Service{
		SigningName:  iamtypes.SigningName,
		Wire:         protocol.AWSQuery,
		XMLNamespace: iamtypes.XMLNamespace,
		Version:      iamtypes.APIVersion,
		Operations:   s.routes(),
	}
}

// accountOf is the account a request acts in.
func accountOf(ctx context.Context) string { return protocol.Request(ctx).Account() }

// roleKey is the store key of a role; names are unique without regard to
// case, so the key uses the lower-cased name.
func roleKey(account, name string) string {
	return store.Key(kindRole, account, globalRegion, strings.ToLower(name))
}

func rolePrefix(account string) string { return store.Prefix(kindRole, account, globalRegion) }

// roleARN is arn:aws:iam::<account>:role<path><name>.
func roleARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":role" + path + name
}

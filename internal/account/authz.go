package account

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/berth-dev/berth/internal/awsapi/iam/policy"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// RolePolicies is where the authorizer finds a role session's policies;
// iam.Service implements it.
type RolePolicies interface {
	// InlinePolicies returns the id of account's role named roleName and
	// its inline policy documents; roleID is "" when no such role exists.
	InlinePolicies(ctx context.Context, account, roleName string) (roleID string, docs []string, err error)
}

// Authorizer decides whether a principal may perform an action:
//
//   - the account's root user may do everything;
//   - anyone may call sts:GetCallerIdentity, which needs no permission in
//     AWS either;
//   - a role session may do what its role's inline policies allow and do
//     not deny (see package policy for the language, and for the gap:
//     statements with conditions berth does not evaluate never apply).
//     A session of a role that has been deleted, even if a role of the
//     same name exists again, may do nothing;
//   - nobody else may do anything.
//
// Policies are read from the store on every request by a role session,
// so a change applies to the next request.
type Authorizer struct {
	roles RolePolicies

	mu     sync.Mutex
	parsed map[string]*policy.Document // by document text
}

// maxParsedPolicies bounds the parsed-document cache.
const maxParsedPolicies = 1024

// NewAuthorizer returns an Authorizer reading role policies from roles.
func NewAuthorizer(roles RolePolicies) *Authorizer {
	return &Authorizer{roles: roles, parsed: map[string]*policy.Document{}}
}

// Authorize implements gateway.Authorizer. A refusal is the AccessDenied
// error of the action's service (AccessDeniedException for JSON services,
// AccessDenied for query ones, UnauthorizedOperation for EC2) with AWS's
// message; a failure to read the policies is returned wrapped, for the
// gateway to log and answer as an internal error.
func (a *Authorizer) Authorize(ctx context.Context, p protocol.Principal, action, resource string) error {
	if p.Root || strings.EqualFold(action, "sts:GetCallerIdentity") {
		return nil
	}
	if p.RoleARN == "" {
		return accessDenied(p, action, resource, false)
	}
	roleName := p.RoleARN[strings.LastIndexByte(p.RoleARN, '/')+1:]
	roleID, docs, err := a.roles.InlinePolicies(ctx, p.AccountID, roleName)
	if err != nil {
		return fmt.Errorf("authorizing %s for %s: %w", action, p.ARN, err)
	}
	if roleID == "" || roleID != p.RoleID {
		return accessDenied(p, action, resource, false)
	}
	parsed := make([]*policy.Document, 0, len(docs))
	for _, doc := range docs {
		d, err := a.parse(doc)
		if err != nil {
			return fmt.Errorf("authorizing %s for %s: stored policy of role %s: %w", action, p.ARN, roleName, err)
		}
		parsed = append(parsed, d)
	}
	switch policy.Evaluate(parsed, policy.Request{Action: action, Resource: resource, Context: requestContext(ctx, p)}) {
	case policy.Allow:
		return nil
	case policy.Deny:
		return accessDenied(p, action, resource, true)
	}
	return accessDenied(p, action, resource, false)
}

func (a *Authorizer) parse(doc string) (*policy.Document, error) {
	a.mu.Lock()
	d, ok := a.parsed[doc]
	a.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := policy.Parse(doc, policy.Identity)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.parsed) >= maxParsedPolicies {
		clear(a.parsed)
	}
	a.parsed[doc] = d
	a.mu.Unlock()
	return d, nil
}

// requestContext holds the global condition keys berth knows for a
// request by a role session.
func requestContext(ctx context.Context, p protocol.Principal) policy.Context {
	c := policy.Context{}
	c.Set("aws:PrincipalArn", p.RoleARN)
	c.Set("aws:PrincipalAccount", p.AccountID)
	c.Set("aws:PrincipalType", "AssumedRole")
	c.Set("aws:userid", p.UserID)
	if info := requestInfo(ctx); info != nil && info.Region != "" {
		c.Set("aws:RequestedRegion", info.Region)
	}
	return c
}

// requestInfo returns the gateway's RequestInfo, or nil outside a request.
func requestInfo(ctx context.Context) (info *protocol.RequestInfo) {
	defer func() {
		if recover() != nil {
			info = nil
		}
	}()
	return protocol.Request(ctx)
}

// queryServices are the IAM service prefixes of the query-protocol
// services, which call a refusal AccessDenied (403).
var queryServices = map[string]bool{
	"iam": true, "sts": true, "elasticloadbalancing": true, "autoscaling": true, "cloudwatch": true,
}

// accessDenied words a refusal as the action's service does.
func accessDenied(p protocol.Principal, action, resource string, explicit bool) *protocol.Error {
	reason := "because no identity-based policy allows the " + action + " action"
	if explicit {
		reason = "with an explicit deny in an identity-based policy"
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", p.ARN, action, resource, reason)
	service, _, _ := strings.Cut(action, ":")
	switch {
	case service == "ec2":
		return protocol.Errorf("UnauthorizedOperation", http.StatusForbidden, "You are not authorized to perform this operation. %s", msg)
	case queryServices[service]:
		return protocol.Errorf("AccessDenied", http.StatusForbidden, "%s", msg)
	}
	return protocol.Errorf("AccessDeniedException", http.StatusBadRequest, "%s", msg)
}

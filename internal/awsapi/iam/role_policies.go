package iam

import (
	"context"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
	"github.com/berth-dev/berth/internal/awsapi/iam/policy"
)

// Inline policy names are case-sensitive: PutRolePolicy with a name that
// differs only in case adds a second policy.

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, in *iamtypes.PutRolePolicyRequest) (*struct{}, error) {
	var v violations
	v.name(in.RoleName, "roleName", maxRoleNameLen)
	v.name(in.PolicyName, "policyName", maxPolicyNameLen)
	v.document(in.PolicyDocument, "policyDocument")
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, err := policy.Parse(in.PolicyDocument, policy.Identity); err != nil {
		return nil, malformedPolicy(err.Error())
	}
	_, err := s.mutateRole(ctx, in.RoleName, func(r *roleRecord) error {
		size := len(policy.Compact(in.PolicyDocument))
		for name, doc := range r.Policies {
			if name != in.PolicyName {
				size += len(policy.Compact(doc))
			}
		}
		if size > maxInlinePolicySize {
			return limitExceeded("Maximum policy size of %d bytes exceeded for role %s", maxInlinePolicySize, r.Role.RoleName)
		}
		if r.Policies == nil {
			r.Policies = map[string]string{}
		}
		r.Policies[in.PolicyName] = in.PolicyDocument
		return nil
	})
	return nil, err
}

// GetRolePolicy returns an inline policy of a role, its document
// URL-encoded.
func (s *Service) GetRolePolicy(ctx context.Context, in *iamtypes.GetRolePolicyRequest) (*iamtypes.GetRolePolicyResponse, error) {
	var v violations
	v.name(in.PolicyName, "policyName", maxPolicyNameLen)
	if err := v.err(); err != nil {
		return nil, err
	}
	rec, _, err := s.getRole(ctx, accountOf(ctx), in.RoleName)
	if err != nil {
		return nil, err
	}
	doc, ok := rec.Policies[in.PolicyName]
	if !ok {
		return nil, noSuchRolePolicy(in.PolicyName)
	}
	return &iamtypes.GetRolePolicyResponse{
		RoleName: rec.Role.RoleName, PolicyName: in.PolicyName, PolicyDocument: encodeDocument(doc),
	}, nil
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, in *iamtypes.DeleteRolePolicyRequest) (*struct{}, error) {
	var v violations
	v.name(in.RoleName, "roleName", maxRoleNameLen)
	v.name(in.PolicyName, "policyName", maxPolicyNameLen)
	if err := v.err(); err != nil {
		return nil, err
	}
	_, err := s.mutateRole(ctx, in.RoleName, func(r *roleRecord) error {
		if _, ok := r.Policies[in.PolicyName]; !ok {
			return noSuchRolePolicy(in.PolicyName)
		}
		delete(r.Policies, in.PolicyName)
		return nil
	})
	return nil, err
}

// ListRolePolicies lists the names of a role's inline policies, sorted.
func (s *Service) ListRolePolicies(ctx context.Context, in *iamtypes.ListRolePoliciesRequest) (*iamtypes.ListRolePoliciesResponse, error) {
	var v violations
	v.paging(in.Marker, in.MaxItems)
	if err := v.err(); err != nil {
		return nil, err
	}
	rec, _, err := s.getRole(ctx, accountOf(ctx), in.RoleName)
	if err != nil {
		return nil, err
	}
	names, more, marker, err := takePage(rec.policyNames(), func(n string) string { return n }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListRolePoliciesResponse{PolicyNames: names, IsTruncated: more, Marker: marker}, nil
}

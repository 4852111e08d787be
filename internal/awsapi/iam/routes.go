package iam

import (
	"context"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// routes lists every IAM operation berth serves, with its IAM action
// (iam:<Operation>) and the role it acts on for authorization.
func (s *Service) routes() []protocol.Operation {
	return []protocol.Operation{
		protocol.Op("iam", "CreateRole", s.CreateRole).WithResource(s.roleResource),
		protocol.Op("iam", "GetRole", s.GetRole).WithResource(s.roleResource),
		protocol.Op("iam", "DeleteRole", s.DeleteRole).WithResource(s.roleResource),
		protocol.Op("iam", "ListRoles", s.ListRoles),
		protocol.Op("iam", "UpdateAssumeRolePolicy", s.UpdateAssumeRolePolicy).WithResource(s.roleResource),
		protocol.Op("iam", "UpdateRole", s.UpdateRole).WithResource(s.roleResource),
		protocol.Op("iam", "TagRole", s.TagRole).WithResource(s.roleResource),
		protocol.Op("iam", "UntagRole", s.UntagRole).WithResource(s.roleResource),
		protocol.Op("iam", "ListRoleTags", s.ListRoleTags).WithResource(s.roleResource),
		protocol.Op("iam", "PutRolePolicy", s.PutRolePolicy).WithResource(s.roleResource),
		protocol.Op("iam", "GetRolePolicy", s.GetRolePolicy).WithResource(s.roleResource),
		protocol.Op("iam", "DeleteRolePolicy", s.DeleteRolePolicy).WithResource(s.roleResource),
		protocol.Op("iam", "ListRolePolicies", s.ListRolePolicies).WithResource(s.roleResource),
	}
}

// roleResource is the ARN of the role an input names, for the authorizer.
// A role's ARN holds its path, which only CreateRole's input has; for the
// others the stored role supplies it, and an unknown (or invalid) name is
// given the default path.
func (s *Service) roleResource(ctx context.Context, in any) string {
	account := accountOf(ctx)
	name, path := roleNameOf(in)
	if name == "" {
		return "*"
	}
	if path == "" {
		path = defaultPath
		if allRunes(name, isNameChar) && len(name) <= maxRoleNameLen {
			if rec, _, err := s.roles().Get(ctx, roleKey(account, name)); err == nil {
				path, name = rec.Role.Path, rec.Role.RoleName
			}
		}
	}
	return roleARN(account, path, name)
}

// roleNameOf returns the role name (and, for CreateRole, the path) of an
// operation's input.
func roleNameOf(in any) (name, path string) {
	switch in := in.(type) {
	case *iamtypes.CreateRoleRequest:
		path = in.Path
		if path == "" {
			path = defaultPath
		}
		return in.RoleName, path
	case *iamtypes.GetRoleRequest:
		return in.RoleName, ""
	case *iamtypes.DeleteRoleRequest:
		return in.RoleName, ""
	case *iamtypes.UpdateAssumeRolePolicyRequest:
		return in.RoleName, ""
	case *iamtypes.UpdateRoleRequest:
		return in.RoleName, ""
	case *iamtypes.TagRoleRequest:
		return in.RoleName, ""
	case *iamtypes.UntagRoleRequest:
		return in.RoleName, ""
	case *iamtypes.ListRoleTagsRequest:
		return in.RoleName, ""
	case *iamtypes.PutRolePolicyRequest:
		return in.RoleName, ""
	case *iamtypes.GetRolePolicyRequest:
		return in.RoleName, ""
	case *iamtypes.DeleteRolePolicyRequest:
		return in.RoleName, ""
	case *iamtypes.ListRolePoliciesRequest:
		return in.RoleName, ""
	}
	return "", ""
}

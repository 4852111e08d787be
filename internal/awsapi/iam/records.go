package iam

import (
	"maps"
	"slices"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
	"github.com/berth-dev/berth/internal/store"
)

// roleRecord is a role as stored: the API shape, with its trust policy as
// written (not URL-encoded), and its inline policies by name.
type roleRecord struct {
	Role     iamtypes.Role     `json:"role"`
	Policies map[string]string `json:"policies,omitempty"`
}

func (s *Service) roles() store.Typed[roleRecord] { return store.Typed[roleRecord]{S: s.store} }

// view returns the role as the API shows it: documents URL-encoded, and
// the tags and last-use only where GetRole-like calls show them.
func (r *roleRecord) view(full bool) iamtypes.Role {
	out := r.Role
	out.AssumeRolePolicyDocument = encodeDocument(r.Role.AssumeRolePolicyDocument)
	out.Tags = nil
	out.RoleLastUsed = nil
	if full {
		out.Tags = slices.Clone(r.Role.Tags)
		out.RoleLastUsed = &iamtypes.RoleLastUsed{}
	}
	return out
}

// policyNames returns the role's inline policy names, sorted.
func (r *roleRecord) policyNames() []string {
	return slices.Sorted(maps.Keys(r.Policies))
}

package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
	"github.com/berth-dev/berth/internal/awsapi/iam/policy"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
)

// CreateRole creates a role with its trust policy.
func (s *Service) CreateRole(ctx context.Context, in *iamtypes.CreateRoleRequest) (*iamtypes.CreateRoleResponse, error) {
	account := accountOf(ctx)
	path := in.Path
	maxSession := in.MaxSessionDuration
	var v violations
	v.name(in.RoleName, "roleName", maxRoleNameLen)
	if path == "" {
		path = defaultPath
	} else {
		v.path(path, "path")
	}
	v.document(in.AssumeRolePolicyDocument, "assumeRolePolicyDocument")
	v.description(in.Description, "description")
	if maxSession == 0 {
		maxSession = defaultMaxSessionDuration
	} else {
		v.between(maxSession, "maxSessionDuration", minMaxSessionDuration, maxMaxSessionDuration)
	}
	v.tags(in.Tags, "tags")
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTagKeys(in.Tags); err != nil {
		return nil, err
	}
	if err := checkTrustPolicy(in.AssumeRolePolicyDocument); err != nil {
		return nil, err
	}
	if in.PermissionsBoundary != "" {
		// berth has no managed policies for a boundary to name.
		return nil, iamError(iamtypes.ErrNoSuchEntityException, "Scope ARN: %s does not exist or is not attachable.", in.PermissionsBoundary)
	}
	if err := s.checkRoleQuota(ctx, account); err != nil {
		return nil, err
	}
	rec := &roleRecord{Role: iamtypes.Role{
		Path:                     path,
		RoleName:                 in.RoleName,
		RoleId:                   newRoleID(),
		Arn:                      roleARN(account, path, in.RoleName),
		CreateDate:               shape.Now(),
		AssumeRolePolicyDocument: in.AssumeRolePolicyDocument,
		Description:              in.Description,
		MaxSessionDuration:       maxSession,
		Tags:                     slices.Clone(in.Tags),
	}}
	if _, err := s.roles().Create(ctx, roleKey(account, in.RoleName), rec); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, iamError(iamtypes.ErrEntityAlreadyExistsException, "Role with name %s already exists.", in.RoleName)
		}
		return nil, internal("creating role", err)
	}
	role := rec.view(false)
	role.Tags = slices.Clone(in.Tags) // CreateRole echoes the tags it was given
	return &iamtypes.CreateRoleResponse{Role: &role}, nil
}

// checkTrustPolicy validates a trust policy and its size.
func checkTrustPolicy(doc string) error {
	if _, err := policy.Parse(doc, policy.Trust); err != nil {
		return malformedPolicy(err.Error())
	}
	if len(policy.Compact(doc)) > maxTrustPolicySize {
		return limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", maxTrustPolicySize)
	}
	return nil
}

// checkRoleQuota refuses a role past the account's quota. It counts
// without a lock, so racing creates may pass it together; the quota is a
// guard against runaway scripts, not an exact limit.
func (s *Service) checkRoleQuota(ctx context.Context, account string) error {
	res, err := s.store.List(ctx, rolePrefix(account), store.ListOptions{Limit: maxRolesPerAccount})
	if err != nil {
		return internal("counting roles", err)
	}
	if len(res.Objects) >= maxRolesPerAccount {
		return limitExceeded("Cannot exceed quota for RolesPerAccount: %d", maxRolesPerAccount)
	}
	return nil
}

// newRoleID returns a role's unique id: "AROA" and 17 upper-case letters
// and digits, like IAM's.
func newRoleID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 17)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "AROA" + string(b)
}

// GetRole returns a role with its tags.
func (s *Service) GetRole(ctx context.Context, in *iamtypes.GetRoleRequest) (*iamtypes.GetRoleResponse, error) {
	rec, _, err := s.getRole(ctx, accountOf(ctx), in.RoleName)
	if err != nil {
		return nil, err
	}
	role := rec.view(true)
	return &iamtypes.GetRoleResponse{Role: &role}, nil
}

// getRole validates name and reads the role, or answers NoSuchEntity.
func (s *Service) getRole(ctx context.Context, account, name string) (*roleRecord, int64, error) {
	var v violations
	v.name(name, "roleName", maxRoleNameLen)
	if err := v.err(); err != nil {
		return nil, 0, err
	}
	rec, rev, err := s.roles().Get(ctx, roleKey(account, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, noSuchRole(name)
	}
	if err != nil {
		return nil, 0, internal("reading role", err)
	}
	return rec, rev, nil
}

// mutateRole validates name and changes the role with fn (see
// store.Typed.Mutate), answering NoSuchEntity for a missing role.
func (s *Service) mutateRole(ctx context.Context, name string, fn func(*roleRecord) error) (*roleRecord, error) {
	var v violations
	v.name(name, "roleName", maxRoleNameLen)
	if err := v.err(); err != nil {
		return nil, err
	}
	rec, _, err := s.roles().Mutate(ctx, roleKey(accountOf(ctx), name), fn)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, noSuchRole(name)
	case err != nil:
		return nil, passClientError(err, "updating role")
	}
	return rec, nil
}

// DeleteRole deletes a role that has no inline policies left.
func (s *Service) DeleteRole(ctx context.Context, in *iamtypes.DeleteRoleRequest) (*struct{}, error) {
	account := accountOf(ctx)
	for range 8 {
		rec, rev, err := s.getRole(ctx, account, in.RoleName)
		if err != nil {
			return nil, err
		}
		if len(rec.Policies) > 0 {
			return nil, iamError(iamtypes.ErrDeleteConflictException, "Cannot delete entity, must delete policies first.")
		}
		err = s.roles().Delete(ctx, roleKey(account, in.RoleName), rev)
		switch {
		case err == nil:
			return nil, nil
		case errors.Is(err, store.ErrNotFound):
			return nil, noSuchRole(in.RoleName)
		case !errors.Is(err, store.ErrConflict):
			return nil, internal("deleting role", err)
		}
		// Changed since read (a policy may have been added): look again.
	}
	return nil, iamError(iamtypes.ErrConcurrentModificationException, "The role %s is being changed by another request; try again.", in.RoleName)
}

// ListRoles lists the account's roles whose path starts with PathPrefix,
// in name order (case-insensitively), without their tags.
func (s *Service) ListRoles(ctx context.Context, in *iamtypes.ListRolesRequest) (*iamtypes.ListRolesResponse, error) {
	var v violations
	prefix := in.PathPrefix
	if prefix == "" {
		prefix = "/"
	} else {
		v.pathPrefix(prefix, "pathPrefix")
	}
	v.paging(in.Marker, in.MaxItems)
	if err := v.err(); err != nil {
		return nil, err
	}
	items, _, err := s.roles().ListAll(ctx, rolePrefix(accountOf(ctx)))
	if err != nil {
		return nil, internal("listing roles", err)
	}
	roles := make([]iamtypes.Role, 0, len(items))
	for _, it := range items {
		if strings.HasPrefix(it.Value.Role.Path, prefix) {
			roles = append(roles, it.Value.view(false))
		}
	}
	page, more, marker, err := takePage(roles, func(r iamtypes.Role) string { return strings.ToLower(r.RoleName) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListRolesResponse{Roles: page, IsTruncated: more, Marker: marker}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *iamtypes.UpdateAssumeRolePolicyRequest) (*struct{}, error) {
	var v violations
	v.name(in.RoleName, "roleName", maxRoleNameLen)
	v.document(in.PolicyDocument, "policyDocument")
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTrustPolicy(in.PolicyDocument); err != nil {
		return nil, err
	}
	_, err := s.mutateRole(ctx, in.RoleName, func(r *roleRecord) error {
		r.Role.AssumeRolePolicyDocument = in.PolicyDocument
		return nil
	})
	return nil, err
}

// UpdateRole changes a role's description and maximum session duration.
// An empty Description leaves the description as it is: the query
// protocol's absent and empty look alike to berth.
func (s *Service) UpdateRole(ctx context.Context, in *iamtypes.UpdateRoleRequest) (*iamtypes.UpdateRoleResponse, error) {
	var v violations
	v.name(in.RoleName, "roleName", maxRoleNameLen)
	v.description(in.Description, "description")
	if in.MaxSessionDuration != 0 {
		v.between(in.MaxSessionDuration, "maxSessionDuration", minMaxSessionDuration, maxMaxSessionDuration)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	_, err := s.mutateRole(ctx, in.RoleName, func(r *roleRecord) error {
		if in.Description != "" {
			r.Role.Description = in.Description
		}
		if in.MaxSessionDuration != 0 {
			r.Role.MaxSessionDuration = in.MaxSessionDuration
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamtypes.UpdateRoleResponse{}, nil
}

// passClientError returns err as is when it is a client error, else wraps
// it as an internal failure of what.
func passClientError(err error, what string) error {
	if _, ok := protocol.AsError(err); ok {
		return err
	}
	return internal(what, err)
}

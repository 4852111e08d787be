package iam

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/iam/policy"
	"github.com/berth-dev/berth/internal/store"
)

// Role is a role as the rest of berth sees it.
type Role struct {
	AccountID string
	Name      string
	Path      string
	ID        string // AROA…, the role's unique id
	ARN       string // arn:aws:iam::<account>:role<path><name>
	// MaxSessionDuration bounds the sessions of the role.
	MaxSessionDuration time.Duration
	CreateDate         time.Time
	// TrustPolicy is the role's trust (assume-role) policy, parsed.
	TrustPolicy *policy.Document
}

// ErrNoSuchRole is returned (wrapped) for a role that does not exist.
var ErrNoSuchRole = errors.New("iam: no such role")

// roleARNPattern is a role ARN: account, path ("/" or "/…/"), name.
var roleARNPattern = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):role(/(?:[\x21-\x7e]*/)?)([\w+=,.@-]{1,64})$`)

// ParseRoleARN splits a role ARN into its account, path and name.
func ParseRoleARN(arn string) (account, path, name string, ok bool) {
	m := roleARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[2], m[3], true
}

// Role returns the role of account named name (without regard to case),
// or an error wrapping ErrNoSuchRole.
func (s *Service) Role(ctx context.Context, account, name string) (*Role, error) {
	rec, _, err := s.roles().Get(ctx, roleKey(account, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("role %s of account %s: %w", name, account, ErrNoSuchRole)
	}
	if err != nil {
		return nil, internal("reading role", err)
	}
	return rec.toRole(account)
}

// RoleByARN returns the role arn names, which must be a role of account
// with that exact path and name (the name's case aside, as IAM resolves
// it), or an error wrapping ErrNoSuchRole.
func (s *Service) RoleByARN(ctx context.Context, account, arn string) (*Role, error) {
	acct, path, name, ok := ParseRoleARN(arn)
	if !ok || acct != account {
		return nil, fmt.Errorf("%s is not a role of account %s: %w", arn, account, ErrNoSuchRole)
	}
	r, err := s.Role(ctx, account, name)
	if err != nil {
		return nil, err
	}
	if r.Path != path {
		return nil, fmt.Errorf("role %s has path %s, not %s: %w", r.Name, r.Path, path, ErrNoSuchRole)
	}
	return r, nil
}

func (r *roleRecord) toRole(account string) (*Role, error) {
	trust, err := policy.Parse(r.Role.AssumeRolePolicyDocument, policy.Trust)
	if err != nil {
		return nil, fmt.Errorf("iam: stored trust policy of role %s: %w", r.Role.RoleName, err)
	}
	out := &Role{
		AccountID:          account,
		Name:               r.Role.RoleName,
		Path:               r.Role.Path,
		ID:                 r.Role.RoleId,
		ARN:                r.Role.Arn,
		MaxSessionDuration: time.Duration(r.Role.MaxSessionDuration) * time.Second,
		TrustPolicy:        trust,
	}
	if r.Role.CreateDate != nil {
		out.CreateDate = r.Role.CreateDate.Time
	}
	return out, nil
}

// InlinePolicies returns the id of account's role named roleName and its
// inline policy documents, as written, in name order. roleID is "" (and
// err nil) when no such role exists. The authorizer evaluates role
// sessions with it.
func (s *Service) InlinePolicies(ctx context.Context, account, roleName string) (roleID string, docs []string, err error) {
	rec, _, err := s.roles().Get(ctx, roleKey(account, roleName))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, internal("reading role", err)
	}
	for _, name := range rec.policyNames() {
		docs = append(docs, rec.Policies[name])
	}
	return rec.Role.RoleId, docs, nil
}

// ECSTasksPrincipal is the service principal ECS assumes task roles as.
const ECSTasksPrincipal = "ecs-tasks.amazonaws.com"

// TaskRoleError says why ECS could not use a role for a task. ECS
// answers RegisterTaskDefinition and RunTask with a ClientException
// carrying Error() as its message.
type TaskRoleError struct {
	RoleARN string
	// Malformed is set when RoleARN is not a role ARN at all.
	Malformed bool
	// Reason is berth's account of the failure, for logs: the role does
	// not exist, or its trust policy does not let ECS tasks assume it.
	Reason string
}

// Error returns ECS's wording: "Role is not valid" for a malformed ARN,
// else the message ECS gives for a role it cannot assume.
func (e *TaskRoleError) Error() string {
	if e.Malformed {
		return "Role is not valid"
	}
	return "ECS was unable to assume the role '" + e.RoleARN + "' that was provided for this task. " +
		"Please verify that the role being passed has the proper trust relationship and permissions " +
		"and that your IAM user has permissions to pass this role."
}

// TaskRole checks that roleArn names an existing role of account that
// trusts ecs-tasks.amazonaws.com (its trust policy allows sts:AssumeRole
// for that service principal and denies it nothing) and returns it. A
// role that fails gets a *TaskRoleError; a store failure any other error.
//
// Trust conditions are evaluated with aws:SourceAccount = account; keys
// not known when the task is defined (aws:SourceArn, the task's ARN) pass,
// so AWS's recommended confused-deputy conditions do not fail the check.
func (s *Service) TaskRole(ctx context.Context, account, roleArn string) (*Role, error) {
	if _, _, _, ok := ParseRoleARN(roleArn); !ok {
		return nil, &TaskRoleError{RoleARN: roleArn, Malformed: true, Reason: "not a role ARN"}
	}
	r, err := s.RoleByARN(ctx, account, roleArn)
	if errors.Is(err, ErrNoSuchRole) {
		return nil, &TaskRoleError{RoleARN: roleArn, Reason: err.Error()}
	}
	if err != nil {
		return nil, err
	}
	if decision := r.Trusts(account, ECSTasksPrincipal); decision != policy.Allow {
		return nil, &TaskRoleError{RoleARN: roleArn,
			Reason: fmt.Sprintf("the trust policy of role %s does not allow %s to call sts:AssumeRole (%v)", r.Name, ECSTasksPrincipal, decision)}
	}
	return r, nil
}

// Trusts evaluates whether the role's trust policy lets a service
// principal (ecs-tasks.amazonaws.com, events.amazonaws.com) call
// sts:AssumeRole on behalf of account. Conditions are evaluated with
// aws:SourceAccount = account; keys not known beforehand (aws:SourceArn)
// pass, so AWS's recommended confused-deputy conditions do not fail it.
func (r *Role) Trusts(account, service string) policy.Decision {
	sourceAccount := policy.Context{}
	sourceAccount.Set("aws:SourceAccount", account)
	return r.TrustPolicy.Evaluate(policy.Request{
		Action:            "sts:AssumeRole",
		Caller:            policy.Caller{"Service": {service}},
		Context:           sourceAccount,
		LenientConditions: true,
	})
}

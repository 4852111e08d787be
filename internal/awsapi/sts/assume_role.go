package sts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/account"
	"github.com/berth-dev/berth/internal/awsapi/iam"
	"github.com/berth-dev/berth/internal/awsapi/iam/policy"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/awsapi/sts/ststypes"
)

// Session durations, as STS has them.
const (
	defaultDuration  = 3600
	minDuration      = 900
	maxDuration      = 43200
	chainMaxDuration = 3600 // a role session assuming a role ("role chaining")
)

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]*$`)

// AssumeRole returns temporary credentials of a role of the caller's
// account.
//
// Who may assume a role: the account's root user any role of the account
// (berth's choice: AWS refuses root, but root keys are what berth hands
// out first); a role session when the role's trust policy allows
// sts:AssumeRole to a Principal.AWS naming the caller's account (its id or
// root ARN), its role's ARN or its session's ARN, and the caller's own
// policies allow sts:AssumeRole on the role (the authorizer checks that).
// Roles of other accounts cannot be assumed. A role that does not exist or
// does not trust the caller is AccessDenied, as in AWS, which does not say
// which.
//
// Session policies (Policy, PolicyArns) are refused rather than ignored,
// since ignoring them would grant more than asked; session tags,
// SourceIdentity and MFA are accepted and not used, apart from
// ExternalId, SourceIdentity and RoleSessionName, which trust policy
// conditions can test (sts:ExternalId, sts:SourceIdentity,
// sts:RoleSessionName).
func (s *Service) AssumeRole(ctx context.Context, in *ststypes.AssumeRoleRequest) (*ststypes.AssumeRoleResponse, error) {
	caller := protocol.Request(ctx).Principal
	if err := validateAssumeRole(in); err != nil {
		return nil, err
	}
	if in.Policy != "" || len(in.PolicyArns) > 0 {
		return nil, protocol.ValidationError("Session policies (Policy, PolicyArns) are not supported by berth; assume the role without them.")
	}
	role, err := s.roles.RoleByARN(ctx, caller.AccountID, in.RoleArn)
	if errors.Is(err, iam.ErrNoSuchRole) {
		return nil, accessDenied(caller, in.RoleArn)
	}
	if err != nil {
		return nil, fmt.Errorf("sts: finding role %s: %w", in.RoleArn, err)
	}
	if !caller.Root && !trusts(ctx, role, caller, in) {
		return nil, accessDenied(caller, in.RoleArn)
	}

	duration := in.DurationSeconds
	if duration == 0 {
		duration = defaultDuration
	}
	if time.Duration(duration)*time.Second > role.MaxSessionDuration {
		return nil, protocol.ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if caller.RoleARN != "" && duration > chainMaxDuration {
		return nil, protocol.ValidationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	sess, err := account.IssueSession(ctx, s.store, account.SessionRequest{
		AccountID:   caller.AccountID,
		RoleARN:     role.ARN,
		RoleID:      role.ID,
		SessionName: in.RoleSessionName,
		Duration:    time.Duration(duration) * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("sts: %w", err)
	}
	return &ststypes.AssumeRoleResponse{
		Credentials: &ststypes.Credentials{
			AccessKeyId:     sess.AccessKeyID,
			SecretAccessKey: sess.SecretAccessKey,
			SessionToken:    sess.SessionToken,
			Expiration:      shape.NewTime(sess.Expiration),
		},
		AssumedRoleUser: &ststypes.AssumedRoleUser{AssumedRoleId: sess.UserID(), Arn: sess.PrincipalARN},
	}, nil
}

// trusts evaluates role's trust policy for a caller that is not root.
func trusts(ctx context.Context, role *iam.Role, caller protocol.Principal, in *ststypes.AssumeRoleRequest) bool {
	names := []string{policy.AccountRoot(caller.AccountID), caller.ARN}
	principalARN := caller.ARN
	if caller.RoleARN != "" {
		names = append(names, caller.RoleARN)
		principalARN = caller.RoleARN // aws:PrincipalArn of a session is its role's ARN
	}
	c := policy.Context{}
	c.Set("aws:PrincipalArn", principalARN)
	c.Set("aws:PrincipalAccount", caller.AccountID)
	c.Set("aws:userid", caller.UserID)
	c.Set("sts:RoleSessionName", in.RoleSessionName)
	if in.ExternalId != "" {
		c.Set("sts:ExternalId", in.ExternalId)
	}
	if in.SourceIdentity != "" {
		c.Set("sts:SourceIdentity", in.SourceIdentity)
	}
	if region := protocol.Request(ctx).Region; region != "" {
		c.Set("aws:RequestedRegion", region)
	}
	return role.TrustPolicy.Evaluate(policy.Request{
		Action:  "sts:AssumeRole",
		Caller:  policy.Caller{"AWS": names},
		Context: c,
	}) == policy.Allow
}

func accessDenied(caller protocol.Principal, roleARN string) *protocol.Error {
	return protocol.Errorf("AccessDenied", http.StatusForbidden,
		"User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.ARN, roleARN)
}

// validateAssumeRole checks the model's constraints, reporting every
// failure in one ValidationError as STS does.
func validateAssumeRole(in *ststypes.AssumeRoleRequest) error {
	var errs []string
	add := func(value any, field, rule string) {
		shown := "null"
		if value != nil {
			shown = fmt.Sprintf("'%v'", value)
		}
		errs = append(errs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: Member must %s", shown, field, rule))
	}
	switch n := len([]rune(in.RoleArn)); {
	case in.RoleArn == "":
		add(nil, "roleArn", "not be null")
	case n < 20:
		add(in.RoleArn, "roleArn", "have length greater than or equal to 20")
	case n > 2048:
		add(in.RoleArn, "roleArn", "have length less than or equal to 2048")
	}
	switch n := len([]rune(in.RoleSessionName)); {
	case in.RoleSessionName == "":
		add(nil, "roleSessionName", "not be null")
	case !sessionNamePattern.MatchString(in.RoleSessionName):
		add(in.RoleSessionName, "roleSessionName", `satisfy regular expression pattern: [\w+=,.@-]*`)
	case n < 2:
		add(in.RoleSessionName, "roleSessionName", "have length greater than or equal to 2")
	case n > 64:
		add(in.RoleSessionName, "roleSessionName", "have length less than or equal to 64")
	}
	switch d := in.DurationSeconds; {
	case d == 0:
	case d < minDuration:
		add(d, "durationSeconds", fmt.Sprintf("have value greater than or equal to %d", minDuration))
	case d > maxDuration:
		add(d, "durationSeconds", fmt.Sprintf("have value less than or equal to %d", maxDuration))
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return protocol.ValidationError("1 validation error detected: %s", errs[0])
	}
	return protocol.ValidationError("%d validation errors detected: %s", len(errs), strings.Join(errs, "; "))
}

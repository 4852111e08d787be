package ecs

import (
	"context"
	"errors"
	"regexp"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/iam"
)

// A task has up to two roles: its task role (taskRoleArn, for its
// containers' own calls) and its execution role (executionRoleArn, for
// pulling images and shipping logs). ECS treats them as follows, and so
// does berth:
//
//   - RegisterTaskDefinition takes a role ARN or a bare role name, which
//     it expands to the role of that name in the caller's account (and
//     DescribeTaskDefinition shows the ARN). Anything else is a
//     ClientException "Role is not valid". Whether the role exists is not
//     checked there: a definition may name a role made later.
//   - RunTask checks that ECS can assume the roles the task gets (the
//     definition's, or overrides.taskRoleArn / overrides.executionRoleArn):
//     a role that does not exist, or whose trust policy does not let
//     ecs-tasks.amazonaws.com assume it, fails the whole call with ECS's
//     ClientException "ECS was unable to assume the role …", and nothing
//     is created.

// Roles is the IAM side of task roles: ECS asks it whether it may assume
// a role for a task of account (the iam package's Service implements it,
// in process). A role it cannot use is a *iam.TaskRoleError; any other
// error is a failure to find out.
type Roles interface {
	TaskRole(ctx context.Context, account, roleARN string) (*iam.Role, error)
}

// roleNamePattern is an IAM role name (iam CreateRole's roleName).
var roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// resolveRole returns the role ARN a task definition or override gives:
// "" for none, a role name expanded to the role of the account, or a role
// ARN as is. Anything else is ECS's "Role is not valid".
func (sc scope) resolveRole(ref string) (string, error) {
	switch {
	case ref == "":
		return "", nil
	case roleNamePattern.MatchString(ref):
		return "arn:aws:iam::" + sc.account + ":role/" + ref, nil
	}
	if _, _, _, ok := iam.ParseRoleARN(ref); !ok {
		return "", clientError("%s", (&iam.TaskRoleError{RoleARN: ref, Malformed: true}).Error())
	}
	return ref, nil
}

// resolveTaskDefRoles expands the roles of a definition being registered.
func (sc scope) resolveTaskDefRoles(in *ecstypes.RegisterTaskDefinitionRequest) error {
	var err error
	if in.TaskRoleArn, err = sc.resolveRole(in.TaskRoleArn); err != nil {
		return err
	}
	in.ExecutionRoleArn, err = sc.resolveRole(in.ExecutionRoleArn)
	return err
}

// taskRoles resolves a RunTask's role overrides in place (on a copy of
// the overrides, so the request's own is untouched) and returns the task
// role and execution role the task runs with.
func (sc scope) taskRoles(in *ecstypes.RunTaskRequest, def *ecstypes.TaskDefinition) (taskRole, executionRole string, err error) {
	taskRole, executionRole = def.TaskRoleArn, def.ExecutionRoleArn
	if in.Overrides == nil {
		return taskRole, executionRole, nil
	}
	o := *in.Overrides
	if o.TaskRoleArn, err = sc.resolveRole(o.TaskRoleArn); err != nil {
		return "", "", err
	}
	if o.ExecutionRoleArn, err = sc.resolveRole(o.ExecutionRoleArn); err != nil {
		return "", "", err
	}
	in.Overrides = &o
	if o.TaskRoleArn != "" {
		taskRole = o.TaskRoleArn
	}
	if o.ExecutionRoleArn != "" {
		executionRole = o.ExecutionRoleArn
	}
	return taskRole, executionRole, nil
}

// checkTaskRoles makes sure ECS can assume the roles of the task a
// RunTask starts, before anything of it is created. Without Roles (unit
// tests) only the overrides' form is checked.
func (s *Service) checkTaskRoles(ctx context.Context, sc scope, p *runPlan) error {
	taskRole, executionRole, err := sc.taskRoles(p.in, p.def)
	if err != nil || s.Roles == nil {
		return err
	}
	for _, arn := range []string{taskRole, executionRole} {
		if arn == "" {
			continue
		}
		_, err := s.Roles.TaskRole(ctx, sc.account, arn)
		var bad *iam.TaskRoleError
		switch {
		case errors.As(err, &bad):
			return clientError("%s", bad.Error())
		case err != nil:
			return internal("checking role "+arn, err)
		}
	}
	return nil
}

package ecs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/iam"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/memstore"
)

const roleAccount = "123456789012"

func roleARN(name string) string { return "arn:aws:iam::" + roleAccount + ":role/" + name }

// fakeRoles answers as iam.Service.TaskRole would for the roles it holds:
// true for a role that trusts ECS tasks, false for one that does not.
// Role "broken" fails as a store failure would.
type fakeRoles map[string]bool

func (f fakeRoles) TaskRole(_ context.Context, account, arn string) (*iam.Role, error) {
	if _, _, _, ok := iam.ParseRoleARN(arn); !ok {
		return nil, &iam.TaskRoleError{RoleARN: arn, Malformed: true}
	}
	if arn == roleARN("broken") {
		return nil, errors.New("store unavailable")
	}
	trusted, ok := f[arn]
	if !ok || !trusted || !strings.Contains(arn, "::"+account+":") {
		return nil, &iam.TaskRoleError{RoleARN: arn, Reason: "no such role, or it does not trust ECS tasks"}
	}
	return &iam.Role{ARN: arn}, nil
}

func TestResolveRole(t *testing.T) {
	sc := scope{account: roleAccount, region: "us-east-1"}
	cases := []struct {
		ref, want string
		invalid   bool
	}{
		{"", "", false},
		{"ecsTaskExecutionRole", roleARN("ecsTaskExecutionRole"), false},
		{"REPLACE_ME_ECS_ROLE_ARN", roleARN("REPLACE_ME_ECS_ROLE_ARN"), false}, // a name, as far as ECS can tell
		{"a+=,.@-_1", roleARN("a+=,.@-_1"), false},
		{roleARN("app"), roleARN("app"), false},
		{roleARN("service-role/app"), roleARN("service-role/app"), false},
		{"arn:aws:iam::210987654321:role/elsewhere", "arn:aws:iam::210987654321:role/elsewhere", false},
		{strings.Repeat("n", 65), "", true},
		{"service-role/app", "", true},
		{"bad name", "", true},
		{"arn:aws:ecs:us-east-1:123456789012:cluster/default", "", true},
		{"arn:aws:iam::123456789012:user/alice", "", true},
		{"arn:aws:iam::1234:role/short-account", "", true},
		{"arn:aws:iam::123456789012:role/", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.ref, func(t *testing.T) {
			got, err := sc.resolveRole(tc.ref)
			if tc.invalid {
				wantECSError(t, err, codeClient, "Role is not valid")
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("resolveRole(%q) = %q, %v; want %q", tc.ref, got, err, tc.want)
			}
		})
	}
}

// wantECSError asserts err is an AWS error with code and exactly msg.
func wantECSError(t *testing.T, err error, code, msg string) {
	t.Helper()
	pe, ok := protocol.AsError(err)
	if !ok || pe.Code != code || pe.Message != msg {
		t.Fatalf("error %v, want %s %q", err, code, msg)
	}
}

// roleTestService is a Service over a memory store with one node of
// capacity, a cluster "default" and the roles of fakeRoles.
func roleTestService(t *testing.T) (context.Context, *Service, store.Store) {
	t.Helper()
	st := memstore.New()
	s := New(st, nil)
	s.Roles = fakeRoles{roleARN("task"): true, roleARN("exec"): true, roleARN("other-task"): true, roleARN("lambda-only"): false}
	ctx := protocol.WithRequest(context.Background(), &protocol.RequestInfo{Region: "us-east-1",
		Principal: protocol.Principal{AccountID: roleAccount, ARN: "arn:aws:iam::" + roleAccount + ":root", Root: true}})
	if err := s.AgentAPI().RegisterNode(ctx, agentapi.Node{ID: "n1", AvailabilityZone: "us-east-1a", CPU: 8192, MemoryMiB: 16384}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCluster(ctx, &ecstypes.CreateClusterRequest{}); err != nil {
		t.Fatal(err)
	}
	return ctx, s, st
}

func roleTaskDef(family, taskRole, executionRole string) *ecstypes.RegisterTaskDefinitionRequest {
	return &ecstypes.RegisterTaskDefinitionRequest{
		Family: family, TaskRoleArn: taskRole, ExecutionRoleArn: executionRole,
		RequiresCompatibilities: []string{"FARGATE"}, NetworkMode: "awsvpc", Cpu: "256", Memory: "512",
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: "app", Image: "busybox"}, {Name: "side", Image: "busybox"}},
	}
}

func TestRegisterTaskDefinitionRoles(t *testing.T) {
	ctx, s, st := roleTestService(t)
	// A name is the account's role; whether it exists is not checked.
	out, err := s.RegisterTaskDefinition(ctx, roleTaskDef("named", "not-yet-created", "exec"))
	if err != nil {
		t.Fatal(err)
	}
	if td := out.TaskDefinition; td.TaskRoleArn != roleARN("not-yet-created") || td.ExecutionRoleArn != roleARN("exec") {
		t.Fatalf("roles %q, %q", td.TaskRoleArn, td.ExecutionRoleArn)
	}
	for _, tc := range []struct{ name, taskRole, executionRole string }{
		{"malformed task role", "arn:aws:iam::123456789012:policy/p", ""},
		{"malformed execution role", "", "arn:aws:ecs:us-east-1:123456789012:cluster/default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.RegisterTaskDefinition(ctx, roleTaskDef("bad", tc.taskRole, tc.executionRole))
			wantECSError(t, err, codeClient, "Role is not valid")
		})
	}
	if items, _, err := (store.Typed[familyRecord]{S: st}).ListAll(ctx, "/"+kindFamily+"/"); err != nil || len(items) != 1 {
		t.Fatalf("families %d, %v; want only the valid one", len(items), err)
	}
}

func TestRunTaskRoles(t *testing.T) {
	unable := func(arn string) string {
		return (&iam.TaskRoleError{RoleARN: arn}).Error()
	}
	cases := []struct {
		name                    string
		taskRole, executionRole string // the definition's
		overrides               *ecstypes.TaskOverride
		code, msg               string // "" for success
		wantTaskRole            string // of the started task's overrides
	}{
		{name: "no roles"},
		{name: "trusted roles", taskRole: roleARN("task"), executionRole: roleARN("exec")},
		{name: "missing task role", taskRole: roleARN("ghost"), executionRole: roleARN("exec"), code: codeClient, msg: unable(roleARN("ghost"))},
		{name: "missing execution role", taskRole: roleARN("task"), executionRole: roleARN("ghost"), code: codeClient, msg: unable(roleARN("ghost"))},
		{name: "task role that does not trust ECS tasks", taskRole: roleARN("lambda-only"), code: codeClient, msg: unable(roleARN("lambda-only"))},
		{name: "role of another account", taskRole: "arn:aws:iam::210987654321:role/task", code: codeClient, msg: unable("arn:aws:iam::210987654321:role/task")},
		{name: "override replaces a missing task role", taskRole: roleARN("ghost"),
			overrides: &ecstypes.TaskOverride{TaskRoleArn: roleARN("other-task")}, wantTaskRole: roleARN("other-task")},
		{name: "override replaces a missing execution role", executionRole: roleARN("ghost"),
			overrides: &ecstypes.TaskOverride{ExecutionRoleArn: roleARN("exec")}},
		{name: "override by name", overrides: &ecstypes.TaskOverride{TaskRoleArn: "other-task"}, wantTaskRole: roleARN("other-task")},
		{name: "missing override", taskRole: roleARN("task"),
			overrides: &ecstypes.TaskOverride{TaskRoleArn: roleARN("ghost")}, code: codeClient, msg: unable(roleARN("ghost"))},
		{name: "missing execution role override", executionRole: roleARN("exec"),
			overrides: &ecstypes.TaskOverride{ExecutionRoleArn: roleARN("ghost")}, code: codeClient, msg: unable(roleARN("ghost"))},
		{name: "malformed override", overrides: &ecstypes.TaskOverride{TaskRoleArn: "arn:aws:iam::123456789012:user/alice"},
			code: codeClient, msg: "Role is not valid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, s, st := roleTestService(t)
			if _, err := s.RegisterTaskDefinition(ctx, roleTaskDef("app", tc.taskRole, tc.executionRole)); err != nil {
				t.Fatal(err)
			}
			out, err := s.RunTask(ctx, &ecstypes.RunTaskRequest{TaskDefinition: "app", Overrides: tc.overrides,
				NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
			tasks, _, lerr := (store.Typed[taskRecord]{S: st}).ListAll(ctx, "/"+kindTask+"/")
			if lerr != nil {
				t.Fatal(lerr)
			}
			if tc.code != "" {
				wantECSError(t, err, tc.code, tc.msg)
				if len(tasks) != 0 {
					t.Fatalf("a refused RunTask left %d tasks", len(tasks))
				}
				return
			}
			if err != nil || len(out.Tasks) != 1 || len(tasks) != 1 {
				t.Fatalf("RunTask: %v, %+v; %d tasks stored", err, out, len(tasks))
			}
			if got := out.Tasks[0].Overrides.TaskRoleArn; got != tc.wantTaskRole {
				t.Fatalf("task's taskRoleArn override %q, want %q", got, tc.wantTaskRole)
			}
		})
	}
}

func TestRunTaskRoleLookupFailure(t *testing.T) {
	ctx, s, _ := roleTestService(t)
	if _, err := s.RegisterTaskDefinition(ctx, roleTaskDef("app", roleARN("broken"), "")); err != nil {
		t.Fatal(err)
	}
	_, err := s.RunTask(ctx, &ecstypes.RunTaskRequest{TaskDefinition: "app",
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
	if _, isClient := protocol.AsError(err); err == nil || isClient || !strings.Contains(err.Error(), "store unavailable") {
		t.Fatalf("a failed role lookup: %v, want an internal error", err)
	}
}

// TestRunTaskSpecCarriesContainerARNs: the agent gets the container ARNs
// DescribeTasks shows, for the task metadata endpoint.
func TestRunTaskSpecCarriesContainerARNs(t *testing.T) {
	ctx, s, st := roleTestService(t)
	if _, err := s.RegisterTaskDefinition(ctx, roleTaskDef("app", "", "")); err != nil {
		t.Fatal(err)
	}
	out, err := s.RunTask(ctx, &ecstypes.RunTaskRequest{TaskDefinition: "app",
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("RunTask: %v, %+v", err, out)
	}
	specs, _, err := (store.Typed[agentapi.TaskSpec]{S: st}).ListAll(ctx, assignmentPrefix)
	if err != nil || len(specs) != 1 {
		t.Fatalf("assignments %d, %v", len(specs), err)
	}
	got := specs[0].Value.ContainerARNs
	ctrs := out.Tasks[0].Containers
	if len(got) != 2 || len(ctrs) != 2 {
		t.Fatalf("container ARNs %v for containers %+v", got, ctrs)
	}
	for _, c := range ctrs {
		if c.ContainerArn == "" || got[c.Name] != c.ContainerArn {
			t.Errorf("container %s: spec ARN %q, DescribeTasks ARN %q", c.Name, got[c.Name], c.ContainerArn)
		}
	}
}

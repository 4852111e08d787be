package iam

import (
	"errors"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
)

func TestParseRoleARN(t *testing.T) {
	for _, tc := range []struct {
		arn, account, path, name string
	}{
		{"arn:aws:iam::123456789012:role/app", "123456789012", "/", "app"},
		{"arn:aws:iam::123456789012:role/team/a/app", "123456789012", "/team/a/", "app"},
		{"arn:aws:iam::123456789012:role/", "", "", ""},
		{"arn:aws:iam::12345678901:role/app", "", "", ""},
		{"arn:aws:iam:us-east-1:123456789012:role/app", "", "", ""},
		{"arn:aws:iam::123456789012:user/app", "", "", ""},
		{"app", "", "", ""},
	} {
		account, path, name, ok := ParseRoleARN(tc.arn)
		if ok != (tc.name != "") || account != tc.account || path != tc.path || name != tc.name {
			t.Errorf("ParseRoleARN(%q) = %q %q %q %v", tc.arn, account, path, name, ok)
		}
	}
}

func TestRoleByARN(t *testing.T) {
	s, ctx := testService(t)
	created := mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "App", Path: "/p/", MaxSessionDuration: 7200})
	r, err := s.RoleByARN(ctx, testAccount, "arn:aws:iam::123456789012:role/p/app")
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "App" || r.ID != created.RoleId || r.ARN != created.Arn || r.MaxSessionDuration != 2*time.Hour ||
		r.TrustPolicy == nil || r.AccountID != testAccount || r.CreateDate.IsZero() {
		t.Fatalf("role %+v", r)
	}
	for _, arn := range []string{
		"arn:aws:iam::123456789012:role/App",           // wrong path
		"arn:aws:iam::999999999999:role/p/App",         // other account
		"arn:aws:iam::123456789012:role/p/other",       // no such role
		"arn:aws:iam::123456789012:role/p/App/session", // not a role ARN
	} {
		if _, err := s.RoleByARN(ctx, testAccount, arn); !errors.Is(err, ErrNoSuchRole) {
			t.Errorf("RoleByARN(%s) = %v, want ErrNoSuchRole", arn, err)
		}
	}
	if roleID, docs, err := s.InlinePolicies(ctx, testAccount, "absent"); roleID != "" || docs != nil || err != nil {
		t.Fatalf("InlinePolicies of a missing role: %q %v %v", roleID, docs, err)
	}
}

func TestTaskRole(t *testing.T) {
	s, ctx := testService(t)
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "task"})
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "ec2", AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "list", AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","ecs-tasks.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}]}`})
	// AWS's recommended trust policy for task roles, with confused-deputy
	// conditions.
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "conditional", AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole",
		"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:ecs:us-west-2:123456789012:*"},"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}`})
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "other-account", AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}}]}`})
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "denied", AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:*"}]}`})
	for _, tc := range []struct {
		arn       string
		ok        bool
		malformed bool
	}{
		{"arn:aws:iam::123456789012:role/task", true, false},
		{"arn:aws:iam::123456789012:role/list", true, false},
		{"arn:aws:iam::123456789012:role/conditional", true, false},
		{"arn:aws:iam::123456789012:role/ec2", false, false},
		{"arn:aws:iam::123456789012:role/other-account", false, false},
		{"arn:aws:iam::123456789012:role/denied", false, false},
		{"arn:aws:iam::123456789012:role/absent", false, false},
		{"arn:aws:iam::999999999999:role/task", false, false},
		{"task", false, true},
		{"", false, true},
	} {
		t.Run(tc.arn, func(t *testing.T) {
			r, err := s.TaskRole(ctx, testAccount, tc.arn)
			if tc.ok {
				if err != nil || r.ARN != tc.arn {
					t.Fatalf("TaskRole: %v %v", r, err)
				}
				return
			}
			var te *TaskRoleError
			if !errors.As(err, &te) || te.Malformed != tc.malformed || te.Reason == "" {
				t.Fatalf("want a TaskRoleError (malformed %v), got %v", tc.malformed, err)
			}
			want := "ECS was unable to assume the role '" + tc.arn + "' that was provided for this task."
			if tc.malformed {
				want = "Role is not valid"
			}
			if msg := te.Error(); len(msg) < len(want) || msg[:len(want)] != want {
				t.Fatalf("message %q", msg)
			}
		})
	}
}

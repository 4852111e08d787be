package iam

import (
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
)

// Every operation the generated package describes is routed, under its
// IAM action.
func TestRoutesCoverModel(t *testing.T) {
	s, _ := testService(t)
	svc := s.Service()
	if svc.SigningName != "iam" || !svc.Wire.IsQuery() || svc.Version != "2010-05-08" {
		t.Fatalf("service %+v", svc)
	}
	var names []string
	for _, op := range svc.Operations {
		names = append(names, op.Name)
		if op.Action != "iam:"+op.Name {
			t.Errorf("%s: action %s", op.Name, op.Action)
		}
	}
	for _, op := range iamtypes.Operations {
		if !slices.Contains(names, op.Name) {
			t.Errorf("%s is not routed", op.Name)
		}
	}
}

func TestRoleResource(t *testing.T) {
	s, ctx := testService(t)
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "App", Path: "/p/"})
	for _, tc := range []struct {
		in   any
		want string
	}{
		{&iamtypes.CreateRoleRequest{RoleName: "new", Path: "/q/"}, "arn:aws:iam::123456789012:role/q/new"},
		{&iamtypes.CreateRoleRequest{RoleName: "new"}, "arn:aws:iam::123456789012:role/new"},
		{&iamtypes.GetRoleRequest{RoleName: "app"}, "arn:aws:iam::123456789012:role/p/App"},
		{&iamtypes.PutRolePolicyRequest{RoleName: "APP"}, "arn:aws:iam::123456789012:role/p/App"},
		{&iamtypes.DeleteRoleRequest{RoleName: "absent"}, "arn:aws:iam::123456789012:role/absent"},
		{&iamtypes.GetRoleRequest{}, "*"},
		{&iamtypes.ListRolesRequest{}, "*"},
	} {
		if got := s.roleResource(ctx, tc.in); got != tc.want {
			t.Errorf("roleResource(%T %+v) = %s, want %s", tc.in, tc.in, got, tc.want)
		}
	}
}

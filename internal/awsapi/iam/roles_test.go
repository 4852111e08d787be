package iam

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store/memstore"
)

const (
	testAccount = "123456789012"
	ecsTrust    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	allowECS    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}`
)

// testService returns a service over a fresh memory store and a context
// acting in testAccount.
func testService(t *testing.T) (*Service, context.Context) {
	t.Helper()
	ctx := protocol.WithRequest(context.Background(), &protocol.RequestInfo{
		Region: "us-east-1", Principal: protocol.Principal{AccountID: testAccount, Root: true},
	})
	return New(memstore.New()), ctx
}

func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	if !strings.Contains(pe.Message, msg) {
		t.Fatalf("want %s message containing %q, got %q", code, msg, pe.Message)
	}
	if want, ok := iamtypes.ErrorStatus[code]; ok && pe.Status != want {
		t.Fatalf("%s: status %d, want %d", code, pe.Status, want)
	}
}

func mustCreate(t *testing.T, s *Service, ctx context.Context, in *iamtypes.CreateRoleRequest) iamtypes.Role {
	t.Helper()
	if in.AssumeRolePolicyDocument == "" {
		in.AssumeRolePolicyDocument = ecsTrust
	}
	out, err := s.CreateRole(ctx, in)
	if err != nil {
		t.Fatalf("CreateRole %s: %v", in.RoleName, err)
	}
	return *out.Role
}

func TestCreateRole(t *testing.T) {
	s, ctx := testService(t)
	r := mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "app", Description: "the app",
		Tags: []iamtypes.Tag{{Key: "team", Value: "a"}}})
	if !regexp.MustCompile(`^AROA[A-Z0-9]{17}$`).MatchString(r.RoleId) {
		t.Errorf("role id %q", r.RoleId)
	}
	if r.Arn != "arn:aws:iam::123456789012:role/app" || r.Path != "/" || r.MaxSessionDuration != 3600 || r.CreateDate == nil {
		t.Errorf("role %+v", r)
	}
	if doc, err := url.PathUnescape(r.AssumeRolePolicyDocument); err != nil || doc != ecsTrust {
		t.Errorf("document %q does not decode to what was given: %v", r.AssumeRolePolicyDocument, err)
	}
	if len(r.Tags) != 1 || r.Description != "the app" {
		t.Errorf("tags %v description %q", r.Tags, r.Description)
	}

	p := mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "svc", Path: "/team/a/", MaxSessionDuration: 43200})
	if p.Arn != "arn:aws:iam::123456789012:role/team/a/svc" || p.MaxSessionDuration != 43200 {
		t.Errorf("role with path %+v", p)
	}

	_, err := s.CreateRole(ctx, &iamtypes.CreateRoleRequest{RoleName: "APP", AssumeRolePolicyDocument: ecsTrust})
	wantCode(t, err, "EntityAlreadyExists", "Role with name APP already exists.")
}

func TestCreateRoleValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		name      string
		in        iamtypes.CreateRoleRequest
		code, msg string
	}{
		{"no name", iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: ecsTrust}, "ValidationError",
			"1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"},
		{"bad name", iamtypes.CreateRoleRequest{RoleName: "a b", AssumeRolePolicyDocument: ecsTrust}, "ValidationError",
			`Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"long name", iamtypes.CreateRoleRequest{RoleName: long(65), AssumeRolePolicyDocument: ecsTrust}, "ValidationError",
			"Member must have length less than or equal to 64"},
		{"no document", iamtypes.CreateRoleRequest{RoleName: "r"}, "ValidationError",
			"Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null"},
		{"bad path", iamtypes.CreateRoleRequest{RoleName: "r", Path: "team", AssumeRolePolicyDocument: ecsTrust}, "ValidationError",
			"Value 'team' at 'path' failed to satisfy constraint"},
		{"path without end slash", iamtypes.CreateRoleRequest{RoleName: "r", Path: "/team", AssumeRolePolicyDocument: ecsTrust}, "ValidationError",
			"at 'path'"},
		{"short session", iamtypes.CreateRoleRequest{RoleName: "r", MaxSessionDuration: 60, AssumeRolePolicyDocument: ecsTrust}, "ValidationError",
			"Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"},
		{"long session", iamtypes.CreateRoleRequest{RoleName: "r", MaxSessionDuration: 43201, AssumeRolePolicyDocument: ecsTrust}, "ValidationError",
			"Member must have value less than or equal to 43200"},
		{"long description", iamtypes.CreateRoleRequest{RoleName: "r", Description: long(1001), AssumeRolePolicyDocument: ecsTrust}, "ValidationError",
			"at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000"},
		{"two errors", iamtypes.CreateRoleRequest{RoleName: "a b", MaxSessionDuration: 60, AssumeRolePolicyDocument: ecsTrust}, "ValidationError",
			"2 validation errors detected: Value 'a b' at 'roleName'"},
		{"bad tag key", iamtypes.CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: ecsTrust, Tags: []iamtypes.Tag{{Key: "a*b"}}}, "ValidationError",
			"Value 'a*b' at 'tags.1.member.key' failed to satisfy constraint"},
		{"too many tags", iamtypes.CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: ecsTrust, Tags: manyTags(51)}, "ValidationError",
			"at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"},
		{"duplicate tags", iamtypes.CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: ecsTrust, Tags: []iamtypes.Tag{{Key: "a"}, {Key: "A"}}}, "InvalidInput",
			"Duplicate tag keys found"},
		{"aws tag", iamtypes.CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: ecsTrust, Tags: []iamtypes.Tag{{Key: "aws:x"}}}, "InvalidInput",
			`can't start with "aws:"`},
		{"invalid json", iamtypes.CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: "{"}, "MalformedPolicyDocument",
			"This policy contains invalid Json"},
		{"identity policy as trust", iamtypes.CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: allowECS}, "MalformedPolicyDocument",
			"Has prohibited field Resource"},
		{"trust too big", iamtypes.CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: bigTrust(2100)}, "LimitExceeded",
			"Cannot exceed quota for ACLSizePerRole: 2048"},
		{"boundary", iamtypes.CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: ecsTrust, PermissionsBoundary: "arn:aws:iam::aws:policy/x"}, "NoSuchEntity",
			"Scope ARN: arn:aws:iam::aws:policy/x does not exist or is not attachable."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ctx := testService(t)
			_, err := s.CreateRole(ctx, &tc.in)
			wantCode(t, err, tc.code, tc.msg)
			if out, err := s.ListRoles(ctx, &iamtypes.ListRolesRequest{}); err != nil || len(out.Roles) != 0 {
				t.Fatalf("a refused CreateRole left %v (%v)", out, err)
			}
		})
	}
}

func manyTags(n int) []iamtypes.Tag {
	tags := make([]iamtypes.Tag, n)
	for i := range tags {
		tags[i] = iamtypes.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"}
	}
	return tags
}

// bigTrust is a valid trust policy of about n characters without spaces.
func bigTrust(n int) string {
	var principals []string
	for i := 0; len(strings.Join(principals, ",")) < n; i++ {
		principals = append(principals, fmt.Sprintf(`"svc%d.amazonaws.com"`, i))
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":[` +
		strings.Join(principals, ",") + `]},"Action":"sts:AssumeRole"}]}`
}

func TestGetAndDeleteRole(t *testing.T) {
	s, ctx := testService(t)
	created := mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "MixedCase", Tags: []iamtypes.Tag{{Key: "k", Value: "v"}}})
	got, err := s.GetRole(ctx, &iamtypes.GetRoleRequest{RoleName: "mixedcase"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Role.RoleName != "MixedCase" || got.Role.RoleId != created.RoleId || len(got.Role.Tags) != 1 || got.Role.RoleLastUsed == nil {
		t.Fatalf("GetRole %+v", got.Role)
	}
	_, err = s.GetRole(ctx, &iamtypes.GetRoleRequest{RoleName: "nope"})
	wantCode(t, err, "NoSuchEntity", "The role with name nope cannot be found.")

	if _, err := s.PutRolePolicy(ctx, &iamtypes.PutRolePolicyRequest{RoleName: "MixedCase", PolicyName: "p", PolicyDocument: allowECS}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteRole(ctx, &iamtypes.DeleteRoleRequest{RoleName: "MixedCase"})
	wantCode(t, err, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	if _, err := s.DeleteRolePolicy(ctx, &iamtypes.DeleteRolePolicyRequest{RoleName: "MixedCase", PolicyName: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteRole(ctx, &iamtypes.DeleteRoleRequest{RoleName: "MIXEDCASE"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteRole(ctx, &iamtypes.DeleteRoleRequest{RoleName: "MixedCase"})
	wantCode(t, err, "NoSuchEntity", "cannot be found")
}

func TestListRoles(t *testing.T) {
	s, ctx := testService(t)
	for _, r := range []struct{ name, path string }{{"c", "/"}, {"A", "/x/"}, {"b", "/x/y/"}, {"d", "/z/"}} {
		mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: r.name, Path: r.path, Tags: []iamtypes.Tag{{Key: "k"}}})
	}
	names := func(rs []iamtypes.Role) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.RoleName)
			if r.Tags != nil {
				t.Errorf("ListRoles shows tags of %s", r.RoleName)
			}
		}
		return strings.Join(out, ",")
	}
	all, err := s.ListRoles(ctx, &iamtypes.ListRolesRequest{})
	if err != nil || names(all.Roles) != "A,b,c,d" || all.IsTruncated {
		t.Fatalf("all: %v %v", all, err)
	}
	x, _ := s.ListRoles(ctx, &iamtypes.ListRolesRequest{PathPrefix: "/x/"})
	if names(x.Roles) != "A,b" {
		t.Fatalf("path prefix /x/: %s", names(x.Roles))
	}
	var pages []string
	marker := ""
	for {
		out, err := s.ListRoles(ctx, &iamtypes.ListRolesRequest{MaxItems: 3, Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, names(out.Roles))
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if strings.Join(pages, "|") != "A,b,c|d" {
		t.Fatalf("pages %v", pages)
	}
	_, err = s.ListRoles(ctx, &iamtypes.ListRolesRequest{MaxItems: 1001})
	wantCode(t, err, "ValidationError", "Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000")
	_, err = s.ListRoles(ctx, &iamtypes.ListRolesRequest{Marker: "!!"})
	wantCode(t, err, "ValidationError", "Invalid Marker")
	_, err = s.ListRoles(ctx, &iamtypes.ListRolesRequest{PathPrefix: "x"})
	wantCode(t, err, "ValidationError", "at 'pathPrefix'")
}

func TestRoleQuota(t *testing.T) {
	s, ctx := testService(t)
	for i := range maxRolesPerAccount {
		mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: fmt.Sprintf("r%d", i)})
	}
	_, err := s.CreateRole(ctx, &iamtypes.CreateRoleRequest{RoleName: "one-more", AssumeRolePolicyDocument: ecsTrust})
	wantCode(t, err, "LimitExceeded", "Cannot exceed quota for RolesPerAccount: 1000")
}

func TestUpdateRole(t *testing.T) {
	s, ctx := testService(t)
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "r", Description: "old"})
	if _, err := s.UpdateRole(ctx, &iamtypes.UpdateRoleRequest{RoleName: "r", MaxSessionDuration: 7200}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetRole(ctx, &iamtypes.GetRoleRequest{RoleName: "r"})
	if got.Role.MaxSessionDuration != 7200 || got.Role.Description != "old" {
		t.Fatalf("after UpdateRole: %+v", got.Role)
	}
	if _, err := s.UpdateRole(ctx, &iamtypes.UpdateRoleRequest{RoleName: "r", Description: "new"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetRole(ctx, &iamtypes.GetRoleRequest{RoleName: "r"})
	if got.Role.MaxSessionDuration != 7200 || got.Role.Description != "new" {
		t.Fatalf("after UpdateRole: %+v", got.Role)
	}
	_, err := s.UpdateRole(ctx, &iamtypes.UpdateRoleRequest{RoleName: "r", MaxSessionDuration: 100})
	wantCode(t, err, "ValidationError", "maxSessionDuration")
	_, err = s.UpdateRole(ctx, &iamtypes.UpdateRoleRequest{RoleName: "x", MaxSessionDuration: 3600})
	wantCode(t, err, "NoSuchEntity", "The role with name x cannot be found.")
}

func TestUpdateAssumeRolePolicy(t *testing.T) {
	s, ctx := testService(t)
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "r"})
	other := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}}`
	if _, err := s.UpdateAssumeRolePolicy(ctx, &iamtypes.UpdateAssumeRolePolicyRequest{RoleName: "r", PolicyDocument: other}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetRole(ctx, &iamtypes.GetRoleRequest{RoleName: "r"})
	if doc, _ := url.PathUnescape(got.Role.AssumeRolePolicyDocument); doc != other {
		t.Fatalf("trust policy %s", doc)
	}
	_, err := s.UpdateAssumeRolePolicy(ctx, &iamtypes.UpdateAssumeRolePolicyRequest{RoleName: "r", PolicyDocument: `{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`})
	wantCode(t, err, "MalformedPolicyDocument", "Missing required field Principal")
	got, _ = s.GetRole(ctx, &iamtypes.GetRoleRequest{RoleName: "r"})
	if doc, _ := url.PathUnescape(got.Role.AssumeRolePolicyDocument); doc != other {
		t.Fatalf("a refused update changed the trust policy to %s", doc)
	}
	_, err = s.UpdateAssumeRolePolicy(ctx, &iamtypes.UpdateAssumeRolePolicyRequest{RoleName: "nope", PolicyDocument: other})
	wantCode(t, err, "NoSuchEntity", "nope")
}

func TestEncodeDocument(t *testing.T) {
	doc := "{\"a\": \"b+c/d~e_f.g-h é\"}\n"
	got := encodeDocument(doc)
	if got != "%7B%22a%22%3A%20%22b%2Bc%2Fd~e_f.g-h%20%C3%A9%22%7D%0A" {
		t.Fatalf("encoded %s", got)
	}
	if back, err := url.PathUnescape(got); err != nil || back != doc {
		t.Fatalf("round trip %q %v", back, err)
	}
	if encodeDocument("abc") != "abc" {
		t.Fatal("unreserved-only document changed")
	}
}

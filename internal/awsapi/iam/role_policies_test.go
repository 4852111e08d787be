package iam

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
)

func TestRolePolicies(t *testing.T) {
	s, ctx := testService(t)
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "r"})
	for _, name := range []string{"b", "a", "c"} {
		if _, err := s.PutRolePolicy(ctx, &iamtypes.PutRolePolicyRequest{RoleName: "R", PolicyName: name, PolicyDocument: allowECS}); err != nil {
			t.Fatal(err)
		}
	}
	// Replacing keeps one policy of the name.
	deny := `{"Statement":{"Effect":"Deny","Action":"ecs:DeleteCluster","Resource":"*"}}`
	if _, err := s.PutRolePolicy(ctx, &iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "b", PolicyDocument: deny}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRolePolicy(ctx, &iamtypes.GetRolePolicyRequest{RoleName: "R", PolicyName: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.PathUnescape(got.PolicyDocument); doc != deny || got.RoleName != "r" || got.PolicyName != "b" {
		t.Fatalf("GetRolePolicy %+v", got)
	}
	list, err := s.ListRolePolicies(ctx, &iamtypes.ListRolePoliciesRequest{RoleName: "r"})
	if err != nil || strings.Join(list.PolicyNames, ",") != "a,b,c" || list.IsTruncated {
		t.Fatalf("ListRolePolicies %+v %v", list, err)
	}
	page, _ := s.ListRolePolicies(ctx, &iamtypes.ListRolePoliciesRequest{RoleName: "r", MaxItems: 2})
	rest, _ := s.ListRolePolicies(ctx, &iamtypes.ListRolePoliciesRequest{RoleName: "r", MaxItems: 2, Marker: page.Marker})
	if strings.Join(page.PolicyNames, ",") != "a,b" || !page.IsTruncated || strings.Join(rest.PolicyNames, ",") != "c" || rest.IsTruncated {
		t.Fatalf("pages %+v %+v", page, rest)
	}

	roleID, docs, err := s.InlinePolicies(ctx, testAccount, "R")
	if err != nil || roleID == "" || len(docs) != 3 || docs[1] != deny {
		t.Fatalf("InlinePolicies %q %v %v", roleID, docs, err)
	}

	_, err = s.GetRolePolicy(ctx, &iamtypes.GetRolePolicyRequest{RoleName: "r", PolicyName: "zz"})
	wantCode(t, err, "NoSuchEntity", "The role policy with name zz cannot be found.")
	_, err = s.DeleteRolePolicy(ctx, &iamtypes.DeleteRolePolicyRequest{RoleName: "r", PolicyName: "zz"})
	wantCode(t, err, "NoSuchEntity", "The role policy with name zz cannot be found.")
	_, err = s.PutRolePolicy(ctx, &iamtypes.PutRolePolicyRequest{RoleName: "nope", PolicyName: "p", PolicyDocument: allowECS})
	wantCode(t, err, "NoSuchEntity", "The role with name nope cannot be found.")
	_, err = s.ListRolePolicies(ctx, &iamtypes.ListRolePoliciesRequest{RoleName: "nope"})
	wantCode(t, err, "NoSuchEntity", "nope")
}

func TestPutRolePolicyRefusals(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        iamtypes.PutRolePolicyRequest
		code, msg string
	}{
		{"bad policy name", iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "a/b", PolicyDocument: allowECS}, "ValidationError", "at 'policyName'"},
		{"no document", iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "p"}, "ValidationError", "Value null at 'policyDocument'"},
		{"document chars", iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "p", PolicyDocument: "{\"x\":\"\u4e16\"}"}, "ValidationError", `at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`},
		{"trust policy as identity", iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "p", PolicyDocument: ecsTrust}, "MalformedPolicyDocument", "Policy document should not specify a principal."},
		{"no resource", iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "p", PolicyDocument: `{"Statement":{"Effect":"Allow","Action":"ecs:*"}}`}, "MalformedPolicyDocument", "Policy statement must contain resources."},
		{"too big", iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "p", PolicyDocument: bigPolicy(10300)}, "LimitExceeded", "Maximum policy size of 10240 bytes exceeded for role r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ctx := testService(t)
			mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "r"})
			_, err := s.PutRolePolicy(ctx, &tc.in)
			wantCode(t, err, tc.code, tc.msg)
			if list, _ := s.ListRolePolicies(ctx, &iamtypes.ListRolePoliciesRequest{RoleName: "r"}); len(list.PolicyNames) != 0 {
				t.Fatalf("a refused PutRolePolicy left %v", list.PolicyNames)
			}
		})
	}
}

func TestInlinePolicySizeIsPerRole(t *testing.T) {
	s, ctx := testService(t)
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "r"})
	half := bigPolicy(6000)
	if _, err := s.PutRolePolicy(ctx, &iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "a", PolicyDocument: half}); err != nil {
		t.Fatal(err)
	}
	// Replacing a policy does not count its old version.
	if _, err := s.PutRolePolicy(ctx, &iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "a", PolicyDocument: half}); err != nil {
		t.Fatal(err)
	}
	_, err := s.PutRolePolicy(ctx, &iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "b", PolicyDocument: half})
	wantCode(t, err, "LimitExceeded", "Maximum policy size")
}

// bigPolicy is a valid identity policy of about n characters without
// spaces (and with many spaces, which do not count).
func bigPolicy(n int) string {
	var actions []string
	for i := 0; len(strings.Join(actions, ",")) < n; i++ {
		actions = append(actions, fmt.Sprintf(`"ecs:Action%d"`, i))
	}
	return `{"Version":"2012-10-17",    "Statement":[{"Effect":"Allow","Action":[` + strings.Join(actions, ", ") + `],"Resource":"*"}]}`
}

func TestTags(t *testing.T) {
	s, ctx := testService(t)
	mustCreate(t, s, ctx, &iamtypes.CreateRoleRequest{RoleName: "r", Tags: []iamtypes.Tag{{Key: "b", Value: "1"}}})
	if _, err := s.TagRole(ctx, &iamtypes.TagRoleRequest{RoleName: "r", Tags: []iamtypes.Tag{{Key: "a", Value: "2"}, {Key: "B", Value: "3"}}}); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListRoleTags(ctx, &iamtypes.ListRoleTagsRequest{RoleName: "r"})
	if err != nil || fmt.Sprint(list.Tags) != "[{a 2} {B 3}]" || list.IsTruncated {
		t.Fatalf("ListRoleTags %+v %v", list, err)
	}
	page, _ := s.ListRoleTags(ctx, &iamtypes.ListRoleTagsRequest{RoleName: "r", MaxItems: 1})
	rest, _ := s.ListRoleTags(ctx, &iamtypes.ListRoleTagsRequest{RoleName: "r", Marker: page.Marker})
	if fmt.Sprint(page.Tags, rest.Tags) != "[{a 2}] [{B 3}]" {
		t.Fatalf("pages %v %v", page, rest)
	}
	if _, err := s.UntagRole(ctx, &iamtypes.UntagRoleRequest{RoleName: "r", TagKeys: []string{"b", "absent"}}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetRole(ctx, &iamtypes.GetRoleRequest{RoleName: "r"})
	if fmt.Sprint(got.Role.Tags) != "[{a 2}]" {
		t.Fatalf("after UntagRole: %v", got.Role.Tags)
	}

	_, err = s.TagRole(ctx, &iamtypes.TagRoleRequest{RoleName: "r", Tags: manyTags(50)})
	wantCode(t, err, "LimitExceeded", "Cannot exceed quota for TagsPerRole: 50")
	_, err = s.TagRole(ctx, &iamtypes.TagRoleRequest{RoleName: "r"})
	wantCode(t, err, "ValidationError", "Value null at 'tags'")
	_, err = s.TagRole(ctx, &iamtypes.TagRoleRequest{RoleName: "nope", Tags: []iamtypes.Tag{{Key: "k"}}})
	wantCode(t, err, "NoSuchEntity", "nope")
	_, err = s.UntagRole(ctx, &iamtypes.UntagRoleRequest{RoleName: "r", TagKeys: []string{""}})
	wantCode(t, err, "ValidationError", "at 'tagKeys.1.member'")
	got, _ = s.GetRole(ctx, &iamtypes.GetRoleRequest{RoleName: "r"})
	if fmt.Sprint(got.Role.Tags) != "[{a 2}]" {
		t.Fatalf("refused calls changed the tags: %v", got.Role.Tags)
	}
}

package apitest

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/berth-dev/berth/internal/testutil"
)

const (
	ecsTasksTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	accountTrust  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
)

// iamClient returns an IAM client signed by the account's root user. IAM
// is global, so tests keep apart by naming their roles uniquely (roleName).
func iamClient(t *testing.T) *iam.Client {
	t.Helper()
	return iam.NewFromConfig(srv.AWSConfig(""))
}

// roleName returns a role name no other test uses, and deletes the role
// (and its inline policies) when the test ends.
func roleName(t *testing.T, c *iam.Client, base string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%s", base, strings.TrimPrefix(testutil.Region(t), "test-"))
	t.Cleanup(func() {
		if list, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: &name}); err == nil {
			for _, p := range list.PolicyNames {
				_, _ = c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: aws.String(p)})
			}
		}
		_, _ = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name})
	})
	return name
}

// decoded URL-decodes a policy document as IAM returns it, as the aws CLI
// does.
func decoded(t *testing.T, doc *string) string {
	t.Helper()
	s, err := url.QueryUnescape(aws.ToString(doc))
	if err != nil {
		t.Fatalf("document %q is not URL-encoded: %v", aws.ToString(doc), err)
	}
	return s
}

// wantHTTPStatus asserts err came with status.
func wantHTTPStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d, got %v", status, err)
	}
}

func TestIAMRoleLifecycle(t *testing.T) {
	c := iamClient(t)
	name := roleName(t, c, "Lifecycle")
	// Whitespace and "+" survive the URL-encoding round trip.
	trust := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"ecs-tasks.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\", \"Sid\": \"a+b\"}]\n}"
	created := must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: &name, Path: aws.String("/berth/test/"), AssumeRolePolicyDocument: &trust,
		Description: aws.String("a task role"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
	})).Role
	if aws.ToString(created.Arn) != "arn:aws:iam::123456789012:role/berth/test/"+name ||
		!regexp.MustCompile(`^AROA[A-Z0-9]{17}$`).MatchString(aws.ToString(created.RoleId)) ||
		created.CreateDate == nil || aws.ToInt32(created.MaxSessionDuration) != 3600 || aws.ToString(created.Path) != "/berth/test/" {
		t.Fatalf("created %+v", created)
	}
	if decoded(t, created.AssumeRolePolicyDocument) != trust {
		t.Fatalf("trust policy %q", decoded(t, created.AssumeRolePolicyDocument))
	}

	got := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(strings.ToUpper(name))})).Role
	if aws.ToString(got.RoleName) != name || aws.ToString(got.RoleId) != aws.ToString(created.RoleId) ||
		aws.ToString(got.Description) != "a task role" || len(got.Tags) != 1 || !got.CreateDate.Equal(*created.CreateDate) {
		t.Fatalf("GetRole %+v", got)
	}

	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(strings.ToLower(name)), AssumeRolePolicyDocument: aws.String(ecsTasksTrust)})
	wantAPIError(t, err, "EntityAlreadyExists", "already exists")
	wantHTTPStatus(t, err, 409)

	must[*iam.UpdateRoleOutput](t)(c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: &name, MaxSessionDuration: aws.Int32(7200)}))
	must[*iam.UpdateAssumeRolePolicyOutput](t)(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: &name, PolicyDocument: aws.String(accountTrust)}))
	got = must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})).Role
	if aws.ToInt32(got.MaxSessionDuration) != 7200 || decoded(t, got.AssumeRolePolicyDocument) != accountTrust {
		t.Fatalf("after updates %+v", got)
	}

	// Inline policies.
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:List*","ecs:Describe*"],"Resource":"*"}]}`
	for _, p := range []string{"b-policy", "a-policy"} {
		must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: aws.String(p), PolicyDocument: &policy}))
	}
	gp := must[*iam.GetRolePolicyOutput](t)(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: aws.String("a-policy")}))
	if decoded(t, gp.PolicyDocument) != policy || aws.ToString(gp.RoleName) != name {
		t.Fatalf("GetRolePolicy %+v", gp)
	}
	lp := must[*iam.ListRolePoliciesOutput](t)(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: &name}))
	if !slices.Equal(lp.PolicyNames, []string{"a-policy", "b-policy"}) || lp.IsTruncated {
		t.Fatalf("ListRolePolicies %+v", lp)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	wantHTTPStatus(t, err, 409)
	var conflict *iamtypes.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("the SDK does not see a DeleteConflictException: %T", err)
	}
	for _, p := range lp.PolicyNames {
		must[*iam.DeleteRolePolicyOutput](t)(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: aws.String(p)}))
	}
	_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: aws.String("a-policy")})
	wantAPIError(t, err, "NoSuchEntity", "The role policy with name a-policy cannot be found.")

	must[*iam.DeleteRoleOutput](t)(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name}))
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	wantAPIError(t, err, "NoSuchEntity", "The role with name "+name+" cannot be found.")
	wantHTTPStatus(t, err, 404)
	var noSuch *iamtypes.NoSuchEntityException
	if !errors.As(err, &noSuch) {
		t.Fatalf("the SDK does not see a NoSuchEntityException: %T", err)
	}
}

func TestIAMListRoles(t *testing.T) {
	c := iamClient(t)
	path := "/" + strings.ReplaceAll(testutil.Region(t), "-", "") + "/"
	var want []string
	for i := range 5 {
		name := roleName(t, c, fmt.Sprintf("List%d", i))
		want = append(want, name)
		must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, Path: &path, AssumeRolePolicyDocument: aws.String(ecsTasksTrust)}))
	}
	var got []string
	pages := 0
	p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{PathPrefix: &path, MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page := must[*iam.ListRolesOutput](t)(p.NextPage(ctx))
		pages++
		for _, r := range page.Roles {
			got = append(got, aws.ToString(r.RoleName))
			if decoded(t, r.AssumeRolePolicyDocument) != ecsTasksTrust {
				t.Errorf("%s: trust policy %q", aws.ToString(r.RoleName), decoded(t, r.AssumeRolePolicyDocument))
			}
		}
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("%d pages of %v, want 3 of %v", pages, got, want)
	}
}

func TestIAMTags(t *testing.T) {
	c := iamClient(t)
	name := roleName(t, c, "Tags")
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(ecsTasksTrust),
		Tags: []iamtypes.Tag{{Key: aws.String("b"), Value: aws.String("1")}}}))
	must[*iam.TagRoleOutput](t)(c.TagRole(ctx, &iam.TagRoleInput{RoleName: &name, Tags: []iamtypes.Tag{
		{Key: aws.String("a"), Value: aws.String("2")}, {Key: aws.String("c"), Value: aws.String("")},
	}}))
	must[*iam.UntagRoleOutput](t)(c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: &name, TagKeys: []string{"b"}}))
	tags := must[*iam.ListRoleTagsOutput](t)(c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: &name}))
	var kv []string
	for _, tag := range tags.Tags {
		kv = append(kv, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
	}
	if strings.Join(kv, ",") != "a=2,c=" || tags.IsTruncated {
		t.Fatalf("tags %v", kv)
	}
	_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: &name, Tags: []iamtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
	wantAPIError(t, err, "InvalidInput", "aws:")
}

func TestIAMValidation(t *testing.T) {
	c := iamClient(t)
	name := roleName(t, c, "Invalid")
	for _, tc := range []struct {
		name      string
		in        iam.CreateRoleInput
		code, msg string
	}{
		{"bad name", iam.CreateRoleInput{RoleName: aws.String("bad name"), AssumeRolePolicyDocument: aws.String(ecsTasksTrust)}, "ValidationError", "at 'roleName' failed to satisfy constraint"},
		{"bad path", iam.CreateRoleInput{RoleName: &name, Path: aws.String("nopath"), AssumeRolePolicyDocument: aws.String(ecsTasksTrust)}, "ValidationError", "at 'path'"},
		{"short session", iam.CreateRoleInput{RoleName: &name, MaxSessionDuration: aws.Int32(60), AssumeRolePolicyDocument: aws.String(ecsTasksTrust)}, "ValidationError", "maxSessionDuration"},
		{"invalid json", iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String("{")}, "MalformedPolicyDocument", "This policy contains invalid Json"},
		{"resource in trust", iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`)}, "MalformedPolicyDocument", "Has prohibited field Resource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateRole(ctx, &tc.in)
			wantAPIError(t, err, tc.code, tc.msg)
			wantHTTPStatus(t, err, 400)
		})
	}
	if _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: &name}); err == nil {
		t.Fatal("a refused CreateRole made the role")
	}
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(ecsTasksTrust)}))
	_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:*"}]}`)})
	wantAPIError(t, err, "MalformedPolicyDocument", "Policy statement must contain resources.")
}

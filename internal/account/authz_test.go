package account

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// fakeRoles serves one role's inline policies.
type fakeRoles struct {
	account, name, id string
	docs              []string
	err               error
	calls             int
}

func (f *fakeRoles) InlinePolicies(_ context.Context, account, name string) (string, []string, error) {
	f.calls++
	if f.err != nil {
		return "", nil, f.err
	}
	if account != f.account || !strings.EqualFold(name, f.name) {
		return "", nil, nil
	}
	return f.id, f.docs, nil
}

func sessionPrincipal() protocol.Principal {
	return protocol.Principal{
		AccountID: "123456789012", ARN: "arn:aws:sts::123456789012:assumed-role/app/s1", AccessKeyID: "ASIAEXAMPLE",
		UserID: "AROAAPP:s1", RoleARN: "arn:aws:iam::123456789012:role/team/app", RoleID: "AROAAPP", SessionName: "s1",
	}
}

func TestAuthorizer(t *testing.T) {
	roles := &fakeRoles{account: "123456789012", name: "app", id: "AROAAPP", docs: []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:List*","ecs:Describe*","sts:AssumeRole"],"Resource":"*"},
			{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`,
		`{"Statement":{"Effect":"Deny","Action":"ecs:DescribeTasks","Resource":"arn:aws:ecs:*:*:task/secret/*"}}`,
	}}
	a := NewAuthorizer(roles)
	ctx := protocol.WithRequest(context.Background(), &protocol.RequestInfo{Region: "eu-west-1"})
	session := sessionPrincipal()
	for _, tc := range []struct {
		name             string
		p                protocol.Principal
		action, resource string
		code             string // "" when allowed
		status           int
		msg              string
	}{
		{"root", protocol.Principal{Root: true, AccountID: "123456789012"}, "iam:DeleteRole", "*", "", 0, ""},
		{"caller identity", protocol.Principal{ARN: "arn:aws:iam::123456789012:user/x"}, "sts:GetCallerIdentity", "*", "", 0, ""},
		{"session caller identity", protocol.Principal{ARN: "x", RoleARN: "arn:aws:iam::123456789012:role/gone", RoleID: "AROAGONE"}, "sts:GetCallerIdentity", "*", "", 0, ""},
		{"allowed", session, "ecs:ListClusters", "*", "", 0, ""},
		{"allowed wildcard", session, "ecs:DescribeTasks", "arn:aws:ecs:eu-west-1:123456789012:task/prod/abc", "", 0, ""},
		{"condition holds", session, "ec2:DescribeVpcs", "*", "", 0, ""},
		{"implicit deny json", session, "ecs:RunTask", "*", "AccessDeniedException", http.StatusBadRequest,
			"User: arn:aws:sts::123456789012:assumed-role/app/s1 is not authorized to perform: ecs:RunTask on resource: * because no identity-based policy allows the ecs:RunTask action"},
		{"explicit deny", session, "ecs:DescribeTasks", "arn:aws:ecs:eu-west-1:123456789012:task/secret/abc", "AccessDeniedException", http.StatusBadRequest,
			"on resource: arn:aws:ecs:eu-west-1:123456789012:task/secret/abc with an explicit deny in an identity-based policy"},
		{"query service", session, "iam:CreateRole", "arn:aws:iam::123456789012:role/x", "AccessDenied", http.StatusForbidden, "is not authorized to perform: iam:CreateRole"},
		{"ec2", session, "ec2:DescribeVpcs", "*", "", 0, ""},
		{"non-root key", protocol.Principal{ARN: "arn:aws:iam::123456789012:user/bob"}, "ecs:ListClusters", "*", "AccessDeniedException", http.StatusBadRequest, "User: arn:aws:iam::123456789012:user/bob"},
		{"deleted role", protocol.Principal{ARN: "x", RoleARN: "arn:aws:iam::123456789012:role/gone", RoleID: "AROAGONE"}, "ecs:ListClusters", "*", "AccessDeniedException", http.StatusBadRequest, "no identity-based policy allows"},
		{"role made again", func() protocol.Principal { p := session; p.RoleID = "AROAOLD"; return p }(), "ecs:ListClusters", "*", "AccessDeniedException", http.StatusBadRequest, "no identity-based policy allows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := a.Authorize(ctx, tc.p, tc.action, tc.resource)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := protocol.AsError(err)
			if !ok || e.Code != tc.code || e.Status != tc.status || !strings.Contains(e.Message, tc.msg) {
				t.Fatalf("got %v, want %s %d %q", err, tc.code, tc.status, tc.msg)
			}
		})
	}

	// The condition on the region fails elsewhere; EC2 words the refusal its
	// own way.
	other := protocol.WithRequest(context.Background(), &protocol.RequestInfo{Region: "us-east-1"})
	err := a.Authorize(other, session, "ec2:DescribeVpcs", "*")
	if e, ok := protocol.AsError(err); !ok || e.Code != "UnauthorizedOperation" || e.Status != http.StatusForbidden ||
		!strings.HasPrefix(e.Message, "You are not authorized to perform this operation. User: ") {
		t.Fatalf("ec2 in another region: %v", err)
	}
	// Outside a gateway request there is no region: the condition fails.
	if err := a.Authorize(context.Background(), session, "ec2:DescribeVpcs", "*"); err == nil {
		t.Fatal("allowed without a region")
	}
}

func TestAuthorizerStoreFailure(t *testing.T) {
	boom := errors.New("store down")
	a := NewAuthorizer(&fakeRoles{err: boom})
	err := a.Authorize(context.Background(), sessionPrincipal(), "ecs:ListClusters", "*")
	if _, ok := protocol.AsError(err); ok || !errors.Is(err, boom) {
		t.Fatalf("want the store's error wrapped, got %v", err)
	}
}

func TestAuthorizerCachesParsedPolicies(t *testing.T) {
	roles := &fakeRoles{account: "123456789012", name: "app", id: "AROAAPP",
		docs: []string{`{"Statement":{"Effect":"Allow","Action":"ecs:*","Resource":"*"}}`}}
	a := NewAuthorizer(roles)
	for range 3 {
		if err := a.Authorize(context.Background(), sessionPrincipal(), "ecs:ListClusters", "*"); err != nil {
			t.Fatal(err)
		}
	}
	if len(a.parsed) != 1 || roles.calls != 3 {
		t.Fatalf("%d parsed, %d reads", len(a.parsed), roles.calls)
	}
	// A changed policy applies at once.
	roles.docs = []string{`{"Statement":{"Effect":"Deny","Action":"ecs:*","Resource":"*"}}`}
	if err := a.Authorize(context.Background(), sessionPrincipal(), "ecs:ListClusters", "*"); err == nil {
		t.Fatal("the old policy still applies")
	}
}

package sts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/account"
	"github.com/berth-dev/berth/internal/awsapi/iam"
	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/sts/ststypes"
	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/memstore"
)

const testAccount = "123456789012"

var rootPrincipal = protocol.Principal{AccountID: testAccount, ARN: "arn:aws:iam::123456789012:root", Root: true, UserID: testAccount}

func as(p protocol.Principal) context.Context {
	return protocol.WithRequest(context.Background(), &protocol.RequestInfo{Region: "us-east-1", Principal: p})
}

// setup returns an STS service over a fresh store and the IAM service
// that holds its roles, with roles made by root.
func setup(t *testing.T, roles map[string]string) (*Service, store.Store) {
	t.Helper()
	st := memstore.New()
	roleSvc := iam.New(st)
	for name, trust := range roles {
		_, err := roleSvc.CreateRole(as(rootPrincipal), &iamtypes.CreateRoleRequest{RoleName: name, AssumeRolePolicyDocument: trust})
		if err != nil {
			t.Fatal(err)
		}
	}
	return New(WithRoles(st, roleSvc)), st
}

func trust(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}]}`
}

func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != code || !strings.Contains(pe.Message, msg) {
		t.Fatalf("want %s containing %q, got %v", code, msg, err)
	}
}

func TestAssumeRoleAsRoot(t *testing.T) {
	s, st := setup(t, map[string]string{"app": trust(`{"Service":"ecs-tasks.amazonaws.com"}`)})
	before := time.Now()
	out, err := s.AssumeRole(as(rootPrincipal), &ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::123456789012:role/app", RoleSessionName: "me"})
	if err != nil {
		t.Fatal(err)
	}
	c, u := out.Credentials, out.AssumedRoleUser
	if !strings.HasPrefix(c.AccessKeyId, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" {
		t.Fatalf("credentials %+v", c)
	}
	if d := c.Expiration.Sub(before); d < time.Hour-2*time.Second || d > time.Hour+time.Second {
		t.Fatalf("expires in %v", d)
	}
	if u.Arn != "arn:aws:sts::123456789012:assumed-role/app/me" || !strings.HasPrefix(u.AssumedRoleId, "AROA") || !strings.HasSuffix(u.AssumedRoleId, ":me") {
		t.Fatalf("assumed role user %+v", u)
	}
	sess, err := account.LookupSession(context.Background(), st, c.AccessKeyId)
	if err != nil || sess.SessionToken != c.SessionToken || sess.RoleARN != "arn:aws:iam::123456789012:role/app" {
		t.Fatalf("stored session %+v %v", sess, err)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	s, _ := setup(t, map[string]string{"app": trust(`{"Service":"ecs-tasks.amazonaws.com"}`)})
	ctx := as(rootPrincipal)
	const arn = "arn:aws:iam::123456789012:role/app"
	for _, tc := range []struct {
		name      string
		in        ststypes.AssumeRoleRequest
		code, msg string
	}{
		{"nothing", ststypes.AssumeRoleRequest{}, "ValidationError",
			"2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'roleSessionName'"},
		{"short arn", ststypes.AssumeRoleRequest{RoleArn: "app", RoleSessionName: "me"}, "ValidationError",
			"1 validation error detected: Value 'app' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"bad session name", ststypes.AssumeRoleRequest{RoleArn: arn, RoleSessionName: "a b"}, "ValidationError",
			`Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"short session name", ststypes.AssumeRoleRequest{RoleArn: arn, RoleSessionName: "a"}, "ValidationError", "Member must have length greater than or equal to 2"},
		{"short duration", ststypes.AssumeRoleRequest{RoleArn: arn, RoleSessionName: "me", DurationSeconds: 899}, "ValidationError",
			"Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"over role max", ststypes.AssumeRoleRequest{RoleArn: arn, RoleSessionName: "me", DurationSeconds: 3601}, "ValidationError",
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"no such role", ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::123456789012:role/nope", RoleSessionName: "me"}, "AccessDenied",
			"User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/nope"},
		{"other account", ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::999999999999:role/app", RoleSessionName: "me"}, "AccessDenied", "on resource: arn:aws:iam::999999999999:role/app"},
		{"not an arn", ststypes.AssumeRoleRequest{RoleArn: "this-is-not-a-role-arn", RoleSessionName: "me"}, "AccessDenied", "not authorized"},
		{"session policy", ststypes.AssumeRoleRequest{RoleArn: arn, RoleSessionName: "me", Policy: `{"Statement":[]}`}, "ValidationError", "Session policies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.AssumeRole(ctx, &tc.in)
			wantCode(t, err, tc.code, tc.msg)
		})
	}
}

func TestAssumeRoleBySession(t *testing.T) {
	s, _ := setup(t, map[string]string{
		"base":       trust(`{"AWS":"123456789012"}`),
		"by-account": trust(`{"AWS":"123456789012"}`),
		"by-root":    trust(`{"AWS":"arn:aws:iam::123456789012:root"}`),
		"by-role":    trust(`{"AWS":"arn:aws:iam::123456789012:role/base"}`),
		"by-session": trust(`{"AWS":"arn:aws:sts::123456789012:assumed-role/base/chain"}`),
		"other-role": trust(`{"AWS":"arn:aws:iam::123456789012:role/by-account"}`),
		"service":    trust(`{"Service":"ecs-tasks.amazonaws.com"}`),
		"named": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole",
			"Condition":{"StringLike":{"sts:RoleSessionName":"ci-*"}}}]}`,
	})
	base, err := s.AssumeRole(as(rootPrincipal), &ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::123456789012:role/base", RoleSessionName: "chain"})
	if err != nil {
		t.Fatal(err)
	}
	caller := protocol.Principal{
		AccountID: testAccount, ARN: base.AssumedRoleUser.Arn, AccessKeyID: base.Credentials.AccessKeyId,
		UserID: base.AssumedRoleUser.AssumedRoleId, RoleARN: "arn:aws:iam::123456789012:role/base",
		RoleID: strings.Split(base.AssumedRoleUser.AssumedRoleId, ":")[0], SessionName: "chain",
	}
	for _, tc := range []struct {
		role, session string
		ok            bool
	}{
		{"by-account", "s1", true},
		{"by-root", "s1", true},
		{"by-role", "s1", true},
		{"by-session", "s1", true},
		{"other-role", "s1", false},
		{"service", "s1", false},
		{"named", "ci-42", true},
		{"named", "dev-42", false},
	} {
		t.Run(tc.role+"/"+tc.session, func(t *testing.T) {
			_, err := s.AssumeRole(as(caller), &ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::123456789012:role/" + tc.role, RoleSessionName: tc.session})
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				wantCode(t, err, "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/base/chain is not authorized")
			}
		})
	}
	_, err = s.AssumeRole(as(caller), &ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::123456789012:role/by-account", RoleSessionName: "s1", DurationSeconds: 3601})
	wantCode(t, err, "ValidationError", "exceeds the MaxSessionDuration set for this role")
}

func TestRoleChainingLimit(t *testing.T) {
	st := memstore.New()
	roleSvc := iam.New(st)
	if _, err := roleSvc.CreateRole(as(rootPrincipal), &iamtypes.CreateRoleRequest{RoleName: "long", MaxSessionDuration: 7200,
		AssumeRolePolicyDocument: trust(`{"AWS":"123456789012"}`)}); err != nil {
		t.Fatal(err)
	}
	s := New(WithRoles(st, roleSvc))
	const arn = "arn:aws:iam::123456789012:role/long"
	if _, err := s.AssumeRole(as(rootPrincipal), &ststypes.AssumeRoleRequest{RoleArn: arn, RoleSessionName: "root", DurationSeconds: 7200}); err != nil {
		t.Fatal(err)
	}
	session := protocol.Principal{AccountID: testAccount, ARN: "arn:aws:sts::123456789012:assumed-role/long/x", RoleARN: arn, RoleID: "AROAX", SessionName: "x"}
	_, err := s.AssumeRole(as(session), &ststypes.AssumeRoleRequest{RoleArn: arn, RoleSessionName: "chained", DurationSeconds: 7200})
	wantCode(t, err, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
}

func TestGetCallerIdentity(t *testing.T) {
	s := New()
	for _, tc := range []struct {
		p                  protocol.Principal
		account, arn, user string
	}{
		{rootPrincipal, testAccount, "arn:aws:iam::123456789012:root", testAccount},
		{protocol.Principal{AccountID: testAccount, ARN: "arn:aws:iam::123456789012:root", Root: true}, testAccount, "arn:aws:iam::123456789012:root", testAccount},
		{protocol.Principal{AccountID: testAccount, ARN: "arn:aws:sts::123456789012:assumed-role/app/s1", UserID: "AROAAPP:s1", RoleARN: "arn:aws:iam::123456789012:role/app"},
			testAccount, "arn:aws:sts::123456789012:assumed-role/app/s1", "AROAAPP:s1"},
	} {
		out, err := s.GetCallerIdentity(as(tc.p), &ststypes.GetCallerIdentityRequest{})
		if err != nil || out.Account != tc.account || out.Arn != tc.arn || out.UserId != tc.user {
			t.Errorf("%+v: %+v %v", tc.p, out, err)
		}
	}
}

func TestServiceOperations(t *testing.T) {
	ops := func(s *Service) (names []string) {
		for _, op := range s.Service().Operations {
			names = append(names, op.Action)
		}
		return names
	}
	if got := strings.Join(ops(New()), ","); got != "sts:GetCallerIdentity" {
		t.Fatalf("without roles: %s", got)
	}
	s, _ := setup(t, nil)
	if got := strings.Join(ops(s), ","); got != "sts:GetCallerIdentity,sts:AssumeRole" {
		t.Fatalf("with roles: %s", got)
	}
	op := s.Service().Operations[1]
	if r := op.Resource(context.Background(), &ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::123456789012:role/x"}); r != "arn:aws:iam::123456789012:role/x" {
		t.Fatalf("resource %s", r)
	}
}

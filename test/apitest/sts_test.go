package apitest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/berth-dev/berth/internal/account"
	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/etcdstore"
	"github.com/berth-dev/berth/internal/testutil"
)

// sessionConfig is an SDK config signing with temporary credentials.
func sessionConfig(region, keyID, secret, token string) aws.Config {
	cfg := srv.AWSConfig(region)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(keyID, secret, token)
	cfg.RetryMaxAttempts = 1
	return cfg
}

// sessionRole makes a role the account's principals may assume, with an
// inline policy allowing what allow names, and returns its ARN.
func sessionRole(t *testing.T, c *iam.Client, base string, allow ...string) (name, arn string) {
	t.Helper()
	name = roleName(t, c, base)
	role := must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(accountTrust)})).Role
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(allow, `","`) + `"],"Resource":"*"}]}`
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: aws.String("allow"), PolicyDocument: &policy}))
	return name, aws.ToString(role.Arn)
}

func TestSTSAssumeRole(t *testing.T) {
	c := iamClient(t)
	name, arn := sessionRole(t, c, "Assume", "ecs:List*", "sts:AssumeRole")
	region := testutil.Region(t)
	before := time.Now()
	out := must[*sts.AssumeRoleOutput](t)(sts.NewFromConfig(srv.AWSConfig(region)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: &arn, RoleSessionName: aws.String("apitest"), DurationSeconds: aws.Int32(900),
	}))
	creds, user := out.Credentials, out.AssumedRoleUser
	if !strings.HasPrefix(aws.ToString(creds.AccessKeyId), "ASIA") || aws.ToString(creds.SessionToken) == "" {
		t.Fatalf("credentials %+v", creds)
	}
	if d := creds.Expiration.Sub(before); d < 890*time.Second || d > 910*time.Second {
		t.Fatalf("expires in %v", d)
	}
	wantARN := "arn:aws:sts::123456789012:assumed-role/" + name + "/apitest"
	if aws.ToString(user.Arn) != wantARN || !strings.HasSuffix(aws.ToString(user.AssumedRoleId), ":apitest") {
		t.Fatalf("assumed role user %+v", user)
	}

	cfg := sessionConfig(region, aws.ToString(creds.AccessKeyId), aws.ToString(creds.SecretAccessKey), aws.ToString(creds.SessionToken))
	id := must[*sts.GetCallerIdentityOutput](t)(sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if aws.ToString(id.Arn) != wantARN || aws.ToString(id.UserId) != aws.ToString(user.AssumedRoleId) || aws.ToString(id.Account) != testutil.TestAccountID {
		t.Fatalf("identity %s %s %s", aws.ToString(id.Arn), aws.ToString(id.UserId), aws.ToString(id.Account))
	}

	// The role's policy allows ecs:List* and nothing else of ECS or IAM.
	sessionECS := ecs.NewFromConfig(cfg)
	must[*ecs.ListClustersOutput](t)(sessionECS.ListClusters(ctx, &ecs.ListClustersInput{}))
	_, err := sessionECS.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("denied")})
	wantAPIError(t, err, "AccessDeniedException", "User: "+wantARN+" is not authorized to perform: ecs:CreateCluster on resource: ")
	_, err = iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	wantAPIError(t, err, "AccessDenied", "is not authorized to perform: iam:GetRole on resource: "+arn)
	wantHTTPStatus(t, err, 403)

	// A session may assume a role that trusts the account, when its own
	// policy allows sts:AssumeRole (role chaining, at most an hour).
	_, other := sessionRole(t, c, "Chained", "ecs:List*")
	chained := must[*sts.AssumeRoleOutput](t)(sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &other, RoleSessionName: aws.String("chained")}))
	if !strings.Contains(aws.ToString(chained.AssumedRoleUser.Arn), ":assumed-role/") {
		t.Fatalf("chained %+v", chained.AssumedRoleUser)
	}
	_, err = sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &other, RoleSessionName: aws.String("long"), DurationSeconds: aws.Int32(7200)})
	wantAPIError(t, err, "ValidationError", "DurationSeconds")

	// Deleting the role ends what its sessions may do.
	must[*iam.DeleteRolePolicyOutput](t)(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: aws.String("allow")}))
	must[*iam.DeleteRoleOutput](t)(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name}))
	_, err = sessionECS.ListClusters(ctx, &ecs.ListClustersInput{})
	wantAPIError(t, err, "AccessDeniedException", "is not authorized to perform: ecs:ListClusters")
}

func TestSTSAssumeRoleRefused(t *testing.T) {
	c := iamClient(t)
	name := roleName(t, c, "TasksOnly")
	arn := aws.ToString(must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(ecsTasksTrust)})).Role.Arn)
	client := sts.NewFromConfig(srv.AWSConfig(""))
	_, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/no-such-role"), RoleSessionName: aws.String("x1")})
	wantAPIError(t, err, "AccessDenied", "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/no-such-role")
	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &arn, RoleSessionName: aws.String("x1"), DurationSeconds: aws.Int32(3601)})
	wantAPIError(t, err, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &arn, RoleSessionName: aws.String("bad name")})
	wantAPIError(t, err, "ValidationError", "roleSessionName")

	// A session whose role trusts only ECS tasks cannot assume it.
	_, assumer := sessionRole(t, c, "Assumer", "sts:AssumeRole")
	out := must[*sts.AssumeRoleOutput](t)(client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &assumer, RoleSessionName: aws.String("x1")}))
	cfg := sessionConfig("", aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	_, err = sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &arn, RoleSessionName: aws.String("x2")})
	wantAPIError(t, err, "AccessDenied", "assumed-role/")
}

func TestSTSSessionToken(t *testing.T) {
	c := iamClient(t)
	_, arn := sessionRole(t, c, "Token", "ecs:List*")
	out := must[*sts.AssumeRoleOutput](t)(sts.NewFromConfig(srv.AWSConfig("")).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &arn, RoleSessionName: aws.String("token")}))
	keyID, secret, token := aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)
	region := testutil.Region(t)
	for _, tc := range []struct {
		name, token string
	}{
		{"missing token", ""},
		{"wrong token", "x" + token[1:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sessionConfig(region, keyID, secret, tc.token)
			_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			wantAPIError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
			wantHTTPStatus(t, err, 403)
			_, err = ecs.NewFromConfig(cfg).ListClusters(ctx, &ecs.ListClustersInput{})
			wantAPIError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
		})
	}
}

// serverStore opens the test server's store through its embedded etcd's
// socket, as the credentials endpoint of the server itself would reach
// it: sessions shorter than AssumeRole's 15 minutes, and revocation, are
// only for berth's own use.
func serverStore(t *testing.T) store.Store {
	t.Helper()
	sock := filepath.Join(srv.DataDir, "etcd", "etcd.sock")
	if _, err := os.Stat(sock); err != nil {
		t.Skipf("the server's etcd has no socket (data dir path too long?): %v", err)
	}
	st, err := etcdstore.Open(ctx, etcdstore.Config{Endpoints: []string{"unix://" + sock}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// issueSession issues a session of a new role allowing ecs:List* directly
// in the server's store, lasting d.
func issueSession(t *testing.T, st store.Store, base string, d time.Duration) (*account.Session, aws.Config) {
	t.Helper()
	c := iamClient(t)
	name, arn := sessionRole(t, c, base, "ecs:List*")
	role := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})).Role
	sess, err := account.IssueSession(ctx, st, account.SessionRequest{
		AccountID: testutil.TestAccountID, RoleARN: arn, RoleID: aws.ToString(role.RoleId), SessionName: "apitest", Duration: d,
	})
	if err != nil {
		t.Fatal(err)
	}
	return sess, sessionConfig(testutil.Region(t), sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken)
}

func TestSTSSessionExpires(t *testing.T) {
	t.Parallel()
	sess, cfg := issueSession(t, serverStore(t), "Expires", 2*time.Second)
	must[*sts.GetCallerIdentityOutput](t)(sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	must[*ecs.ListClustersOutput](t)(ecs.NewFromConfig(cfg).ListClusters(ctx, &ecs.ListClustersInput{}))
	time.Sleep(time.Until(sess.Expiration) + 100*time.Millisecond)
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "ExpiredToken", "The security token included in the request is expired")
	_, err = ecs.NewFromConfig(cfg).ListClusters(ctx, &ecs.ListClustersInput{})
	wantAPIError(t, err, "ExpiredTokenException", "The security token included in the request is expired")
}

func TestSTSSessionRevoked(t *testing.T) {
	t.Parallel()
	st := serverStore(t)
	sess, cfg := issueSession(t, st, "Revoked", time.Hour)
	client := ecs.NewFromConfig(cfg)
	must[*ecs.ListClustersOutput](t)(client.ListClusters(ctx, &ecs.ListClustersInput{}))
	if err := account.RevokeSession(ctx, st, sess.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	// The server may accept the key it cached for up to 10 s.
	deadline, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for {
		_, err := client.ListClusters(deadline, &ecs.ListClustersInput{})
		if err != nil {
			wantAPIError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
			t.Logf("refused %v after revocation", time.Since(revoked).Round(time.Millisecond))
			return
		}
		if deadline.Err() != nil {
			t.Fatal("a revoked session still works 15 s later")
		}
		time.Sleep(250 * time.Millisecond)
	}
}

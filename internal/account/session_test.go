package account

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
	"github.com/berth-dev/berth/internal/store/memstore"
)

func testSessionRequest() SessionRequest {
	return SessionRequest{
		AccountID:   "123456789012",
		RoleARN:     "arn:aws:iam::123456789012:role/team/app",
		RoleID:      "AROAEXAMPLEEXAMPLE1",
		SessionName: "task-1",
		Duration:    time.Hour,
	}
}

func TestIssueSession(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	before := time.Now()
	sess, err := IssueSession(ctx, s, testSessionRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(sess.AccessKeyID) || len(sess.SecretAccessKey) != 40 || len(sess.SessionToken) < 100 {
		t.Fatalf("credentials %q / %d / %d", sess.AccessKeyID, len(sess.SecretAccessKey), len(sess.SessionToken))
	}
	if sess.PrincipalARN != "arn:aws:sts::123456789012:assumed-role/app/task-1" || sess.UserID() != "AROAEXAMPLEEXAMPLE1:task-1" {
		t.Fatalf("identity %s %s", sess.PrincipalARN, sess.UserID())
	}
	if exp := sess.Expiration.Sub(before); exp < time.Hour-2*time.Second || exp > time.Hour+time.Second || sess.Expiration.Nanosecond() != 0 {
		t.Fatalf("expiration %v (%v from now)", sess.Expiration, exp)
	}
	got, err := LookupSession(ctx, s, sess.AccessKeyID)
	if err != nil || *got != *sess {
		t.Fatalf("lookup %+v %v", got, err)
	}
	if err := RevokeSession(ctx, s, sess.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := LookupSession(ctx, s, sess.AccessKeyID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after revoke: %v", err)
	}
	if err := RevokeSession(ctx, s, sess.AccessKeyID); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
}

func TestIssueSessionRefuses(t *testing.T) {
	for name, change := range map[string]func(*SessionRequest){
		"bad account":           func(r *SessionRequest) { r.AccountID = "1" },
		"not a role":            func(r *SessionRequest) { r.RoleARN = "arn:aws:iam::123456789012:user/app" },
		"role of other account": func(r *SessionRequest) { r.RoleARN = "arn:aws:iam::999999999999:role/app" },
		"no role id":            func(r *SessionRequest) { r.RoleID = "" },
		"short session name":    func(r *SessionRequest) { r.SessionName = "a" },
		"bad session name":      func(r *SessionRequest) { r.SessionName = "a b" },
		"no duration":           func(r *SessionRequest) { r.Duration = 0 },
		"too long":              func(r *SessionRequest) { r.Duration = 13 * time.Hour },
	} {
		t.Run(name, func(t *testing.T) {
			s := memstore.New()
			req := testSessionRequest()
			change(&req)
			if _, err := IssueSession(context.Background(), s, req); err == nil {
				t.Fatal("accepted")
			}
			if res, _ := s.List(context.Background(), sessionPrefix, store.ListOptions{}); len(res.Objects) != 0 {
				t.Fatal("a refused request stored a session")
			}
		})
	}
}

func TestSweepSessions(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	var ids []string
	for _, d := range []time.Duration{time.Minute, time.Hour, 2 * time.Hour} {
		req := testSessionRequest()
		req.Duration = d
		sess, err := IssueSession(ctx, s, req)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sess.AccessKeyID)
	}
	n, err := SweepSessions(ctx, s, time.Now().Add(90*time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("swept %d, %v", n, err)
	}
	if _, err := LookupSession(ctx, s, ids[2]); err != nil {
		t.Fatalf("the live session went: %v", err)
	}
	if n, _ := SweepSessions(ctx, s, time.Now()); n != 0 {
		t.Fatalf("second sweep %d", n)
	}
}

// signedRequest signs a request for service at when with creds.
func signedRequest(t *testing.T, creds aws.Credentials, service string, when time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://berth.test/", strings.NewReader("{}"))
	r.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters")
	const emptyObjectHash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, emptyObjectHash, service, "eu-north-1", when); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAuthenticateSession(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	req := testSessionRequest()
	req.Duration = time.Minute
	sess, err := IssueSession(ctx, s, req)
	if err != nil {
		t.Fatal(err)
	}
	a := NewAuthenticator(s)
	clock := time.Now()
	a.now = func() time.Time { return clock }
	creds := aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken}
	authn := func(creds aws.Credentials, wire protocol.Wire) (protocol.Principal, *protocol.Error) {
		service := "ecs"
		if wire == protocol.AWSQuery {
			service = "sts"
		}
		p, _, perr := a.Authenticate(ctx, signedRequest(t, creds, service, clock), []byte("{}"), wire)
		return p, perr
	}

	p, perr := authn(creds, protocol.AWSJSON11)
	if perr != nil {
		t.Fatal(perr)
	}
	want := protocol.Principal{AccountID: "123456789012", ARN: sess.PrincipalARN, AccessKeyID: sess.AccessKeyID,
		UserID: "AROAEXAMPLEEXAMPLE1:task-1", RoleARN: req.RoleARN, RoleID: req.RoleID, SessionName: "task-1"}
	if p != want {
		t.Fatalf("principal %+v", p)
	}

	noToken, wrongToken := creds, creds
	noToken.SessionToken = ""
	wrongToken.SessionToken = "x" + creds.SessionToken[1:]
	for _, tc := range []struct {
		name  string
		creds aws.Credentials
		wire  protocol.Wire
		code  string
		msg   string
	}{
		{"no token json", noToken, protocol.AWSJSON11, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"no token query", noToken, protocol.AWSQuery, "InvalidClientTokenId", "The security token included in the request is invalid."},
		{"wrong token json", wrongToken, protocol.AWSJSON11, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"wrong token ec2", wrongToken, protocol.EC2Query, "AuthFailure", "AWS was not able to validate the provided access credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, perr := authn(tc.creds, tc.wire)
			if perr == nil || perr.Code != tc.code || perr.Message != tc.msg {
				t.Fatalf("got %v, want %s: %s", perr, tc.code, tc.msg)
			}
		})
	}

	// Expiry is exact, though the key is cached.
	clock = sess.Expiration.Add(-time.Millisecond)
	if _, perr := authn(creds, protocol.AWSJSON11); perr != nil {
		t.Fatalf("just before expiry: %v", perr)
	}
	clock = sess.Expiration
	for wire, code := range map[protocol.Wire]string{
		protocol.AWSJSON11: "ExpiredTokenException", protocol.AWSQuery: "ExpiredToken", protocol.EC2Query: "RequestExpired",
	} {
		if _, perr := authn(creds, wire); perr == nil || perr.Code != code {
			t.Fatalf("at expiry (%v): %v, want %s", wire, perr, code)
		}
	}
	_, perr = authn(creds, protocol.AWSJSON11)
	if perr.Message != "The security token included in the request is expired" || perr.Status != http.StatusBadRequest {
		t.Fatalf("expired: %+v", perr)
	}
}

func TestAuthenticateRevokedSession(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	sess, err := IssueSession(ctx, s, testSessionRequest())
	if err != nil {
		t.Fatal(err)
	}
	a := NewAuthenticator(s)
	clock := time.Now()
	a.now = func() time.Time { return clock }
	creds := aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken}
	call := func() *protocol.Error {
		_, _, perr := a.Authenticate(ctx, signedRequest(t, creds, "ecs", clock), []byte("{}"), protocol.AWSJSON11)
		return perr
	}
	if perr := call(); perr != nil {
		t.Fatal(perr)
	}
	if err := RevokeSession(ctx, s, sess.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	// The cached key may still be accepted, but for no longer than the
	// cache's time.
	clock = clock.Add(keyCacheTTL)
	if perr := call(); perr == nil || perr.Code != "UnrecognizedClientException" {
		t.Fatalf("%v after revocation: %v", keyCacheTTL, perr)
	}
}

func TestAuthenticateASIALongTermKey(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	_, key, err := Bootstrap(ctx, s, BootstrapOptions{AccountID: "123456789012", AccessKeyID: "ASIALONGTERMKEY00001", SecretAccessKey: "s3cr3t-for-tests"})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAuthenticator(s)
	p, _, perr := a.Authenticate(ctx, signedRequest(t, aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}, "ecs", time.Now()), []byte("{}"), protocol.AWSJSON11)
	if perr != nil || !p.Root || p.UserID != "123456789012" {
		t.Fatalf("%+v %v", p, perr)
	}
}

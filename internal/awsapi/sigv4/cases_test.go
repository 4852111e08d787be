package sigv4

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// verifyCase is one request and what Verify must make of it.
type verifyCase struct {
	name  string
	build func(t testing.TB) (*http.Request, []byte)
	now   time.Time // signTime + 1 minute when zero
	kind  Kind      // 0: the request verifies; -1: a non-*Error error
	msg   string    // part of the expected message
	check func(t *testing.T, res Result)
}

func runVerifyCases(t *testing.T, tests []verifyCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.build(t)
			now := tt.now
			if now.IsZero() {
				now = signTime.Add(time.Minute)
			}
			res, err := newVerifier(now).Verify(context.Background(), r, body)
			switch {
			case tt.kind == 0 && err != nil:
				t.Fatalf("Verify: %v", err)
			case tt.kind == 0:
				if tt.check != nil {
					tt.check(t, res)
				}
			case tt.kind < 0: // not a client error
				var e *Error
				if err == nil || errors.As(err, &e) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("err = %v, want a non-*Error containing %q", err, tt.msg)
				}
			default:
				e := wantError(t, err, tt.kind, tt.msg)
				if e.Kind == KindBadSignature && e.Message == msgBadSignature && !strings.Contains(e.Detail, "StringToSign:\nAWS4-HMAC-SHA256\n") {
					t.Errorf("detail = %q, want the canonical request and string to sign", e.Detail)
				}
				if res != (Result{}) {
					t.Errorf("result = %+v on error", res)
				}
			}
		})
	}
}

const (
	ecsURL    = "https://ecs.us-east-1.amazonaws.com/"
	ecsTarget = "AmazonEC2ContainerServiceV20141113.RunTask"
)

var ecsBody = []byte(`{"cluster":"default","taskDefinition":"web:3","count":1}`)

// ecsRequest is a RunTask call as aws-sdk-go-v2 sends it, signed with
// creds at at, as the server receives it.
func ecsRequest(t testing.TB, creds aws.Credentials, at time.Time) (*http.Request, []byte) {
	t.Helper()
	r := clientRequest(t, http.MethodPost, ecsURL, ecsBody, map[string]string{
		"Content-Type": "application/x-amz-json-1.1",
		"X-Amz-Target": ecsTarget,
	})
	signHeader(t, r, ecsBody, creds, "ecs", "us-east-1", at)
	return overWire(t, r)
}

// ecsWith returns a signed ECS request changed by mutate after it crossed
// the wire.
func ecsWith(mutate func(r *http.Request)) func(t testing.TB) (*http.Request, []byte) {
	return func(t testing.TB) (*http.Request, []byte) {
		r, body := ecsRequest(t, permCreds, signTime)
		mutate(r)
		return r, body
	}
}

// replaceAuth rewrites part of the Authorization header.
func replaceAuth(old, new string) func(r *http.Request) {
	return func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
	}
}

// signed builds and header-signs an arbitrary request.
func signed(method, url string, body []byte, hdr map[string]string, creds aws.Credentials, service, region string) func(t testing.TB) (*http.Request, []byte) {
	return func(t testing.TB) (*http.Request, []byte) {
		r := clientRequest(t, method, url, body, hdr)
		signHeader(t, r, body, creds, service, region, signTime)
		return overWire(t, r)
	}
}

// presigned builds and presigns a GET.
func presigned(url string, hdr map[string]string, creds aws.Credentials, service string, mutate func(r *http.Request)) func(t testing.TB) (*http.Request, []byte) {
	return func(t testing.TB) (*http.Request, []byte) {
		r := clientRequest(t, http.MethodGet, url, nil, hdr)
		presign(t, r, nil, creds, service, "us-east-1", signTime)
		sr, body := overWire(t, r)
		if mutate != nil {
			mutate(sr)
		}
		return sr, body
	}
}

const stsPresignURL = "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"

// signedWithPayload signs an ECS request that declares X-Amz-Content-Sha256.
func signedWithPayload(declared string, body []byte) func(t testing.TB) (*http.Request, []byte) {
	return func(t testing.TB) (*http.Request, []byte) {
		r := clientRequest(t, http.MethodPost, ecsURL, body, map[string]string{
			"X-Amz-Target":         ecsTarget,
			"X-Amz-Content-Sha256": declared,
		})
		if err := v4.NewSigner().SignHTTP(context.Background(), permCreds, r, declared, "ecs", "us-east-1", signTime); err != nil {
			t.Fatal(err)
		}
		return overWire(t, r)
	}
}

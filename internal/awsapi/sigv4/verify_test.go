package sigv4

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestVerify covers header-signed requests: credentials, session tokens,
// the clock, tampering and malformed signatures.
func TestVerify(t *testing.T) {
	runVerifyCases(t, []verifyCase{
		{
			name:  "json POST",
			build: func(t testing.TB) (*http.Request, []byte) { return ecsRequest(t, permCreds, signTime) },
			check: func(t *testing.T, res Result) {
				want := Result{AccessKeyID: permKeyID, Region: "us-east-1", Service: "ecs", Date: "20240315", SignedAt: signTime}
				if res != want {
					t.Errorf("result = %+v, want %+v", res, want)
				}
			},
		},
		{
			name: "GET with query string",
			build: signed(http.MethodGet, "https://ec2.us-west-2.amazonaws.com/?Action=DescribeVpcs&Version=2016-11-15"+
				"&Filter.1.Name=tag%3AName&Filter.1.Value.1=a%20b&Filter.1.Value.2=x%2By&Filter.1.Value.3=%E2%9C%93"+
				"&b=2&b=1&a-b=1&a%2Fb=2&empty=&flag", nil, nil, permCreds, "ec2", "us-west-2"),
			check: func(t *testing.T, res Result) {
				if res.Region != "us-west-2" || res.Service != "ec2" {
					t.Errorf("scope = %s/%s", res.Region, res.Service)
				}
			},
		},
		{
			name:  "session token",
			build: func(t testing.TB) (*http.Request, []byte) { return ecsRequest(t, tempCreds, signTime) },
		},
		{
			name: "session token missing",
			build: func(t testing.TB) (*http.Request, []byte) {
				return ecsRequest(t, aws.Credentials{AccessKeyID: tempKeyID, SecretAccessKey: tempSecret}, signTime)
			},
			kind: KindUnknownKey, msg: msgInvalidToken,
		},
		{
			name: "session token differs",
			build: func(t testing.TB) (*http.Request, []byte) {
				c := tempCreds
				c.SessionToken = "someone-elses-token"
				return ecsRequest(t, c, signTime)
			},
			kind: KindUnknownKey, msg: msgInvalidToken,
		},
		{
			name: "session token on a permanent key",
			build: func(t testing.TB) (*http.Request, []byte) {
				c := permCreds
				c.SessionToken = tempToken
				return ecsRequest(t, c, signTime)
			},
			kind: KindUnknownKey, msg: msgInvalidToken,
		},
		{
			name: "wrong secret",
			build: func(t testing.TB) (*http.Request, []byte) {
				return ecsRequest(t, aws.Credentials{AccessKeyID: permKeyID, SecretAccessKey: "not-the-secret"}, signTime)
			},
			kind: KindBadSignature, msg: msgBadSignature,
		},
		{
			name: "unknown key",
			build: func(t testing.TB) (*http.Request, []byte) {
				return ecsRequest(t, aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: permSecret}, signTime)
			},
			kind: KindUnknownKey, msg: msgInvalidToken,
		},
		{
			name:  "expired",
			build: func(t testing.TB) (*http.Request, []byte) { return ecsRequest(t, permCreds, signTime) },
			now:   signTime.Add(20 * time.Minute),
			kind:  KindExpired,
			msg:   "Signature expired: 20240315T123000Z is now earlier than 20240315T123500Z (20240315T125000Z - 15 min.)",
		},
		{
			name:  "signed in the future",
			build: func(t testing.TB) (*http.Request, []byte) { return ecsRequest(t, permCreds, signTime) },
			now:   signTime.Add(-20 * time.Minute),
			kind:  KindExpired,
			msg:   "Signature not yet current: 20240315T123000Z is still later than 20240315T122500Z (20240315T121000Z + 15 min.)",
		},
		{
			name:  "just inside the skew",
			build: func(t testing.TB) (*http.Request, []byte) { return ecsRequest(t, permCreds, signTime) },
			now:   signTime.Add(15 * time.Minute),
		},
		{
			name: "tampered body",
			build: func(t testing.TB) (*http.Request, []byte) {
				r, body := ecsRequest(t, permCreds, signTime)
				return r, bytes.Replace(body, []byte(`"count":1`), []byte(`"count":9`), 1)
			},
			kind: KindBadSignature, msg: msgBadSignature,
		},
		{
			name: "tampered signed header",
			build: ecsWith(func(r *http.Request) {
				r.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DeleteCluster")
			}),
			kind: KindBadSignature, msg: msgBadSignature,
		},
		{
			name:  "tampered host",
			build: ecsWith(func(r *http.Request) { r.Host = "ecs.eu-west-1.amazonaws.com" }),
			kind:  KindBadSignature, msg: msgBadSignature,
		},
		{
			name:  "unsigned header added in transit",
			build: ecsWith(func(r *http.Request) { r.Header.Set("X-Forwarded-For", "10.0.0.1") }),
		},
		{
			name:  "missing Authorization",
			build: ecsWith(func(r *http.Request) { r.Header.Del("Authorization") }),
			kind:  KindMissingAuth, msg: "Request is missing Authentication Token",
		},
		{
			name:  "Basic Authorization",
			build: ecsWith(func(r *http.Request) { r.Header.Set("Authorization", "Basic dXNlcjpwYXNz") }),
			kind:  KindMissingAuth, msg: "Request is missing Authentication Token",
		},
		{
			name:  "Authorization without Credential",
			build: ecsWith(replaceAuth("Credential=", "Credentials=")),
			kind:  KindIncomplete, msg: "Authorization header requires 'Credential' parameter. (Hashed with SHA-256",
		},
		{
			name: "Authorization with only the algorithm",
			build: ecsWith(func(r *http.Request) {
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256")
				r.Header.Del("X-Amz-Date")
			}),
			kind: KindIncomplete,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"(Hashed with SHA-256 and encoded with Base64) Authorization=",
		},
		{
			name:  "Authorization pair without equals",
			build: ecsWith(replaceAuth("Credential=", "Credential= ")),
			kind:  KindIncomplete, msg: "'AKIDEXAMPLE/20240315/us-east-1/ecs/aws4_request' not a valid key=value pair (missing equal-sign)",
		},
		{
			name:  "unsupported algorithm",
			build: ecsWith(replaceAuth("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")),
			kind:  KindIncomplete, msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'",
		},
		{
			name:  "credential with four parts",
			build: ecsWith(replaceAuth("/us-east-1/ecs/", "/us-east-1/")),
			kind:  KindIncomplete,
			msg:   "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20240315/us-east-1/aws4_request'",
		},
		{
			name:  "credential with six parts",
			build: ecsWith(replaceAuth("/ecs/", "/ecs/x/")),
			kind:  KindIncomplete, msg: "Credential must have exactly 5 slash-delimited elements",
		},
		{
			name:  "credential with trailing slash",
			build: ecsWith(replaceAuth("aws4_request,", "aws4_request/,")),
		},
		{
			name:  "bad terminator",
			build: ecsWith(replaceAuth("aws4_request", "aws5_request")),
			kind:  KindBadSignature, msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
		},
		{
			name:  "host not signed",
			build: ecsWith(replaceAuth(";host;", ";")),
			kind:  KindBadSignature, msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name:  "SignedHeaders unsorted",
			build: ecsWith(replaceAuth("content-length;content-type", "content-type;content-length")),
			kind:  KindIncomplete, msg: "SignedHeaders must list header names sorted",
		},
		{
			name:  "SignedHeaders repeating a header",
			build: ecsWith(replaceAuth(";x-amz-target", ";x-amz-target;x-amz-target")),
			kind:  KindIncomplete, msg: "SignedHeaders must list header names sorted",
		},
		{
			name:  "Authorization without spaces",
			build: ecsWith(replaceAuth(", ", ",")),
		},
		{
			name: "Authorization without spaces anywhere",
			build: ecsWith(func(r *http.Request) {
				r.Header.Set("Authorization", strings.ReplaceAll(r.Header.Get("Authorization"), ", ", ","))
			}),
		},
		{
			name:  "X-Amz-Date missing",
			build: ecsWith(func(r *http.Request) { r.Header.Del("X-Amz-Date") }),
			kind:  KindIncomplete, msg: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
		},
		{
			name:  "X-Amz-Date malformed",
			build: ecsWith(func(r *http.Request) { r.Header.Set("X-Amz-Date", "2024-03-15T12:30:00Z") }),
			kind:  KindIncomplete,
			msg:   "Date must be in ISO-8601 'basic format'. Got '2024-03-15T12:30:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
		},
		{
			name:  "X-Amz-Date with a one-digit hour",
			build: ecsWith(func(r *http.Request) { r.Header.Set("X-Amz-Date", "20240315T93000Z") }),
			kind:  KindIncomplete, msg: "Got '20240315T93000Z'",
		},
		{
			name: "Date header instead of X-Amz-Date",
			build: ecsWith(func(r *http.Request) {
				r.Header.Del("X-Amz-Date")
				r.Header.Set("Date", "Fri, 15 Mar 2024 11:30:00 GMT")
			}),
			kind: KindExpired, msg: "Signature expired: 20240315T113000Z is now earlier than",
		},
		{
			name: "scope date differs from X-Amz-Date",
			build: func(t testing.TB) (*http.Request, []byte) {
				r, body := ecsRequest(t, permCreds, time.Date(2024, 3, 15, 23, 59, 30, 0, time.UTC))
				r.Header.Set("X-Amz-Date", "20240316T000010Z")
				return r, body
			},
			now:  time.Date(2024, 3, 16, 0, 0, 10, 0, time.UTC),
			kind: KindBadSignature,
			msg:  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240315' != '20240316', from '20240316T000010Z'.",
		},
		{
			name: "X-Amz-Target not signed",
			build: func(t testing.TB) (*http.Request, []byte) {
				r := clientRequest(t, http.MethodPost, ecsURL, ecsBody, map[string]string{"Content-Type": "application/x-amz-json-1.1"})
				signHeader(t, r, ecsBody, permCreds, "ecs", "us-east-1", signTime)
				r.Header.Set("X-Amz-Target", ecsTarget)
				return overWire(t, r)
			},
			kind: KindIncomplete, msg: "Header(s) not signed: x-amz-target.",
		},
		{
			name: "lookup failure",
			build: func(t testing.TB) (*http.Request, []byte) {
				return ecsRequest(t, aws.Credentials{AccessKeyID: "AKIDBROKENSTORE", SecretAccessKey: "x"}, signTime)
			},
			kind: -1, msg: "store unavailable",
		},
	})
}

func TestVerifyDoesNotReadBody(t *testing.T) {
	r, body := ecsRequest(t, permCreds, signTime)
	r.Body = bodyTrap{t}
	if _, err := newVerifier(signTime).Verify(context.Background(), r, body); err != nil {
		t.Fatal(err)
	}
}

type bodyTrap struct{ t *testing.T }

func (b bodyTrap) Read([]byte) (int, error) {
	b.t.Error("Verify read r.Body")
	return 0, errors.New("trap")
}
func (b bodyTrap) Close() error { return nil }

func TestVerifyMaxSkew(t *testing.T) {
	r, body := ecsRequest(t, permCreds, signTime)
	v := newVerifier(signTime.Add(6 * time.Minute))
	v.MaxSkew = 5 * time.Minute
	_, err := v.Verify(context.Background(), r, body)
	wantError(t, err, KindExpired, "Signature expired: 20240315T123000Z is now earlier than 20240315T123100Z (20240315T123600Z - 5 min.)")
}

func TestVerifyNilLookup(t *testing.T) {
	r, body := ecsRequest(t, permCreds, signTime)
	_, err := (&Verifier{Now: func() time.Time { return signTime }}).Verify(context.Background(), r, body)
	wantError(t, err, KindUnknownKey, msgInvalidToken)
}

func TestCheckScope(t *testing.T) {
	res := Result{Region: "us-east-1", Service: "sts"}
	tests := []struct {
		region, service string
		msg             string
	}{
		{"", "", ""},
		{"us-east-1", "sts", ""},
		{"", "ecs", "Credential should be scoped to correct service: 'ecs'."},
		{"eu-west-1", "", "Credential should be scoped to a valid region, not 'us-east-1'."},
		{"eu-west-1", "ecs", "Credential should be scoped to a valid region, not 'us-east-1'. Credential should be scoped to correct service: 'ecs'."},
	}
	for _, tt := range tests {
		t.Run(tt.region+"/"+tt.service, func(t *testing.T) {
			err := res.CheckScope(tt.region, tt.service)
			if tt.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e := wantError(t, err, KindBadSignature, tt.msg); e.Message != tt.msg {
				t.Errorf("message = %q, want %q", e.Message, tt.msg)
			}
		})
	}
}

func TestVerifyExpiredCredential(t *testing.T) {
	expires := signTime.Add(time.Minute)
	lookup := func(_ context.Context, id string) (Credential, bool, error) {
		return Credential{AccessKeyID: tempKeyID, SecretAccessKey: tempSecret, SessionToken: tempToken, Expires: expires}, true, nil
	}
	for _, tc := range []struct {
		name string
		now  time.Time
		kind Kind
	}{
		{"before expiry", expires.Add(-time.Second), 0},
		{"at expiry", expires, KindExpiredToken},
		{"after expiry", expires.Add(time.Second), KindExpiredToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &Verifier{Lookup: lookup, Now: func() time.Time { return tc.now }}
			r, body := ecsRequest(t, tempCreds, signTime)
			_, err := v.Verify(context.Background(), r, body)
			if tc.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != tc.kind || e.Message != msgExpiredToken {
				t.Fatalf("got %v, want %v", err, tc.kind)
			}
		})
	}
	// A wrong token on expired credentials is still an invalid token: only
	// the holder of the real token learns it expired.
	v := &Verifier{Lookup: lookup, Now: func() time.Time { return expires.Add(time.Second) }}
	c := tempCreds
	c.SessionToken = "someone-elses-token"
	r, body := ecsRequest(t, c, signTime)
	var e *Error
	if _, err := v.Verify(context.Background(), r, body); !errors.As(err, &e) || e.Kind != KindUnknownKey {
		t.Fatalf("wrong token on expired credentials: %v", err)
	}
}

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
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

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

func TestVerify(t *testing.T) {
	tests := []struct {
		name  string
		build func(t testing.TB) (*http.Request, []byte)
		now   time.Time // signTime + 1 minute when zero
		kind  Kind      // 0: the request verifies
		msg   string    // part of the expected message
		check func(t *testing.T, res Result)
	}{
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
		{
			name: "escaped path",
			build: signed(http.MethodPost, "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/my%20fn%2Bx%3Ay%2Fz/invocations?Qualifier=%241",
				[]byte(`{}`), nil, permCreds, "lambda", "us-east-1"),
		},
		{
			name: "path with spaces and unicode",
			build: func(t testing.TB) (*http.Request, []byte) {
				r := clientRequest(t, http.MethodGet, "https://example.amazonaws.com/", nil, nil)
				r.URL.Path = "/a b/ünï/c'd(e)!*/"
				signHeader(t, r, nil, permCreds, "execute-api", "us-east-1", signTime)
				return overWire(t, r)
			},
		},
		{
			name:  "path with empty and dot segments, signed as sent",
			build: signed(http.MethodGet, "https://example.amazonaws.com/a//b/./c/../d", nil, nil, permCreds, "execute-api", "us-east-1"),
		},
		{
			name: "port in host",
			build: signed(http.MethodPost, "http://127.0.0.1:8080/", ecsBody,
				map[string]string{"X-Amz-Target": ecsTarget}, permCreds, "ecs", "us-east-1"),
		},
		{
			name: "repeated header and runs of spaces",
			build: func(t testing.TB) (*http.Request, []byte) {
				r := clientRequest(t, http.MethodPost, ecsURL, ecsBody, map[string]string{"X-Amz-Target": ecsTarget})
				r.Header.Add("X-Amz-Meta-Tags", "a   b  c")
				r.Header.Add("X-Amz-Meta-Tags", "  second  ")
				signHeader(t, r, ecsBody, permCreds, "ecs", "us-east-1", signTime)
				return overWire(t, r)
			},
		},
		{
			name:  "declared payload hash",
			build: signedWithPayload(bodyHash(ecsBody), ecsBody),
		},
		{
			name:  "UNSIGNED-PAYLOAD",
			build: signedWithPayload("UNSIGNED-PAYLOAD", ecsBody),
		},
		{
			name:  "declared payload hash disagrees with body",
			build: signedWithPayload(bodyHash([]byte("something else")), ecsBody),
			kind:  KindPayloadHash, msg: "The provided 'x-amz-content-sha256' header does not match what was computed.",
		},
		{
			name: "s3 path is not double-encoded",
			build: func(t testing.TB) (*http.Request, []byte) {
				r := clientRequest(t, http.MethodGet, "https://bucket.s3.amazonaws.com/key%20with%20space/%C3%BC.txt", nil,
					map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"})
				err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
					SignHTTP(context.Background(), permCreds, r, "UNSIGNED-PAYLOAD", "s3", "us-east-1", signTime)
				if err != nil {
					t.Fatal(err)
				}
				return overWire(t, r)
			},
		},
		{
			name:  "presigned",
			build: presigned(stsPresignURL+"&X-Amz-Expires=60", nil, tempCreds, "sts", nil),
			now:   signTime.Add(30 * time.Second),
			check: func(t *testing.T, res Result) {
				if !res.Presigned || res.Service != "sts" || res.AccessKeyID != tempKeyID {
					t.Errorf("result = %+v", res)
				}
			},
		},
		{
			name:  "presigned with a signed header, EKS style",
			build: presigned(stsPresignURL+"&X-Amz-Expires=60", map[string]string{"x-k8s-aws-id": "demo"}, permCreds, "sts", nil),
		},
		{
			name:  "presigned expired",
			build: presigned(stsPresignURL+"&X-Amz-Expires=60", nil, permCreds, "sts", nil),
			now:   signTime.Add(61 * time.Second),
			kind:  KindPresignExpired, msg: "Request has expired",
		},
		{
			name:  "presigned for an hour, used after 30 minutes",
			build: presigned(stsPresignURL+"&X-Amz-Expires=3600", nil, permCreds, "sts", nil),
			now:   signTime.Add(30 * time.Minute),
		},
		{
			name:  "presigned without X-Amz-Expires, past the skew",
			build: presigned(stsPresignURL, nil, permCreds, "sts", nil),
			now:   signTime.Add(20 * time.Minute),
			kind:  KindExpired, msg: "Signature expired",
		},
		{
			name:  "presigned X-Amz-Expires over a week",
			build: presigned(stsPresignURL+"&X-Amz-Expires=604801", nil, permCreds, "sts", nil),
			kind:  KindIncomplete, msg: "X-Amz-Expires must be less than a week",
		},
		{
			name: "presigned tampered",
			build: presigned(stsPresignURL, nil, permCreds, "sts", func(r *http.Request) {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "GetCallerIdentity", "GetSessionToken", 1)
			}),
			kind: KindBadSignature, msg: msgBadSignature,
		},
		{
			name: "presigned token stripped",
			build: presigned(stsPresignURL, nil, tempCreds, "sts", func(r *http.Request) {
				q := r.URL.Query()
				q.Del("X-Amz-Security-Token")
				r.URL.RawQuery = q.Encode()
			}),
			kind: KindBadSignature, msg: msgBadSignature,
		},
		{
			name: "presigned without signature",
			build: presigned(stsPresignURL, nil, permCreds, "sts", func(r *http.Request) {
				q := r.URL.Query()
				q.Del("X-Amz-Signature")
				q.Del("X-Amz-Date")
				r.URL.RawQuery = q.Encode()
			}),
			kind: KindIncomplete,
			msg:  "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
		},
		{
			name: "presigned and Authorization both",
			build: presigned(stsPresignURL, nil, permCreds, "sts", func(r *http.Request) {
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			}),
			kind: KindIncomplete, msg: "Only one auth mechanism allowed",
		},
		{
			name: "presigned s3",
			build: func(t testing.TB) (*http.Request, []byte) {
				r := clientRequest(t, http.MethodGet, "https://bucket.s3.amazonaws.com/dir/key%20x.txt?X-Amz-Expires=600", nil, nil)
				u, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
					PresignHTTP(context.Background(), permCreds, r, "UNSIGNED-PAYLOAD", "s3", "us-east-1", signTime)
				if err != nil {
					t.Fatal(err)
				}
				return overWire(t, clientRequest(t, http.MethodGet, u, nil, nil))
			},
		},
	}
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

package sigv4

import (
	"context"
	"net/http"
	"testing"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestVerifyEncoding covers how requests are canonicalized: escaped and
// odd paths, hosts with ports, repeated and padded headers, declared
// payload hashes and S3's single-encoded paths.
func TestVerifyEncoding(t *testing.T) {
	runVerifyCases(t, []verifyCase{
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
			// botocore signs "/a/b" for a request sent as "/a//./b".
			name: "path normalized by the client before signing",
			build: func(t testing.TB) (*http.Request, []byte) {
				r, body := signed(http.MethodGet, "https://example.amazonaws.com/a/b?x=1", nil, nil, permCreds, "execute-api", "us-east-1")(t)
				r.RequestURI = "/a//./b?x=1"
				return r, body
			},
		},
		{
			name: "path changed in transit",
			build: func(t testing.TB) (*http.Request, []byte) {
				r, body := signed(http.MethodGet, "https://example.amazonaws.com/a/b", nil, nil, permCreds, "execute-api", "us-east-1")(t)
				r.RequestURI = "/a/c"
				return r, body
			},
			kind: KindBadSignature, msg: msgBadSignature,
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
	})
}

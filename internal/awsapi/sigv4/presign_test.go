package sigv4

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestVerifyPresigned covers presigned URLs.
func TestVerifyPresigned(t *testing.T) {
	runVerifyCases(t, []verifyCase{
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
			name: "presigned with an unsigned X-Amz-Target",
			build: presigned(stsPresignURL, nil, permCreds, "sts", func(r *http.Request) {
				r.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DeleteCluster")
			}),
			kind: KindIncomplete, msg: "Header(s) not signed: x-amz-target.",
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
	})
}

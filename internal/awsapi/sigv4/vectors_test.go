package sigv4

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestAWSVectors checks requests signed in AWS's own documentation and
// SigV4 test suite, independent of any SDK. They use the example key
// permKeyID/permSecret.
func TestAWSVectors(t *testing.T) {
	tests := []struct {
		name string
		raw  string
	}{
		{
			name: "IAM ListUsers (IAM user guide)",
			raw: "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\r\n" +
				"Host: iam.amazonaws.com\r\n" +
				"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n" +
				"X-Amz-Date: 20150830T123600Z\r\n" +
				"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
				"SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n\r\n",
		},
		{
			name: "get-vanilla",
			raw: "GET / HTTP/1.1\r\n" +
				"Host:example.amazonaws.com\r\n" +
				"X-Amz-Date:20150830T123600Z\r\n" +
				"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
				"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\r\n\r\n",
		},
		{
			name: "get-vanilla-query-order-key-case",
			raw: "GET /?Param2=value2&Param1=value1 HTTP/1.1\r\n" +
				"Host:example.amazonaws.com\r\n" +
				"X-Amz-Date:20150830T123600Z\r\n" +
				"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
				"SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500\r\n\r\n",
		},
		{
			name: "get-header-value-trim",
			raw: "GET / HTTP/1.1\r\n" +
				"Host:example.amazonaws.com\r\n" +
				"My-Header1: value1\r\n" +
				"My-Header2: \"a   b   c\"\r\n" +
				"X-Amz-Date:20150830T123600Z\r\n" +
				"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
				"SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736\r\n\r\n",
		},
		{
			name: "post-x-www-form-urlencoded",
			raw: "POST / HTTP/1.1\r\n" +
				"Content-Type:application/x-www-form-urlencoded\r\n" +
				"Host:example.amazonaws.com\r\n" +
				"X-Amz-Date:20150830T123600Z\r\n" +
				"Content-Length: 13\r\n" +
				"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
				"SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a\r\n\r\n" +
				"Param1=value1",
		},
	}
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := parseWire(t, []byte(tt.raw))
			res, err := newVerifier(now).Verify(context.Background(), r, body)
			if err != nil {
				if e, ok := err.(*Error); ok {
					t.Fatalf("Verify: %v\n%s", err, e.Detail)
				}
				t.Fatal(err)
			}
			if res.Date != "20150830" || res.AccessKeyID != permKeyID {
				t.Errorf("result = %+v", res)
			}
			// Any change to the signature must fail.
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Signature=", "Signature=0", 1))
			if _, err := newVerifier(now).Verify(context.Background(), r, body); err == nil {
				t.Fatal("a modified signature verified")
			}
		})
	}
}

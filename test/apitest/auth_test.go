package apitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/berth-dev/berth/internal/testutil"
)

// signedECS sends an ECS JSON request signed with secret at signTime, then
// lets tamper change it after signing.
func signedECS(t *testing.T, region, op, body, secret string, signTime time.Time, tamper func(*http.Request)) (*http.Response, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.Endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113."+op)
	sum := sha256.Sum256([]byte(body))
	if secret != "" {
		err = v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: srv.KeyID, SecretAccessKey: secret}, req, hex.EncodeToString(sum[:]), "ecs", region, signTime)
		if err != nil {
			t.Fatal(err)
		}
	}
	if tamper != nil {
		tamper(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]string
	_ = json.Unmarshal(raw, &out)
	return resp, out
}

func TestSigV4(t *testing.T) {
	region := testutil.Region(t)
	body := `{"clusterName":"signed"}`
	cases := []struct {
		name   string
		secret string
		when   time.Duration
		tamper func(*http.Request)
		status int
		code   string
	}{
		{"valid", srv.Secret, 0, nil, 200, ""},
		{"unsigned", "", 0, nil, 400, "MissingAuthenticationTokenException"},
		{"wrong secret", "not-the-secret", 0, nil, 400, "InvalidSignatureException"},
		{"expired", srv.Secret, -20 * time.Minute, nil, 400, "InvalidSignatureException"},
		{"from the future", srv.Secret, 20 * time.Minute, nil, 400, "InvalidSignatureException"},
		{"tampered body", srv.Secret, 0, func(r *http.Request) {
			b := []byte(`{"clusterName":"evil"}`)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}, 400, ""},
		{"tampered target", srv.Secret, 0, func(r *http.Request) {
			r.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DeleteCluster")
		}, 400, "InvalidSignatureException"},
		{"malformed authorization", srv.Secret, 0, func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
		}, 400, "IncompleteSignatureException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := signedECS(t, region, "CreateCluster", body, tc.secret, time.Now().Add(tc.when), tc.tamper)
			if tc.status == 200 {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %v", resp.StatusCode, out)
				}
				return
			}
			if resp.StatusCode < 400 {
				t.Fatalf("status %d, want an error", resp.StatusCode)
			}
			if tc.code != "" && out["__type"] != tc.code {
				t.Fatalf("error %v, want %s", out, tc.code)
			}
			if resp.Header.Get("X-Amzn-RequestId") == "" {
				t.Fatal("no request id on an error response")
			}
		})
	}
	// Only the valid request created anything.
	list := must[*ecs.ListClustersOutput](t)(ecs.NewFromConfig(srv.AWSConfig(region)).ListClusters(ctx, &ecs.ListClustersInput{}))
	if len(list.ClusterArns) != 1 || !strings.HasSuffix(list.ClusterArns[0], "/signed") {
		t.Fatalf("clusters after the bad requests: %v", list.ClusterArns)
	}
}

func TestQueryProtocolErrors(t *testing.T) {
	// A wrongly signed STS (awsQuery) call gets the XML envelope and the
	// query protocol's code.
	cfg := srv.AWSConfig("")
	cfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: srv.KeyID, SecretAccessKey: "wrong"}, nil
	}))
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", "signature")

	id := must[*sts.GetCallerIdentityOutput](t)(sts.NewFromConfig(srv.AWSConfig("")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if aws.ToString(id.Account) != testutil.TestAccountID || aws.ToString(id.Arn) != "arn:aws:iam::123456789012:root" {
		t.Fatalf("identity %s %s", aws.ToString(id.Account), aws.ToString(id.Arn))
	}
}

func TestPresignedQuery(t *testing.T) {
	form := url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}
	req, _ := http.NewRequest(http.MethodGet, srv.Endpoint+"/?"+form.Encode(), nil)
	emptyHash := hex.EncodeToString(sha256.New().Sum(nil))
	signedURL, _, err := v4.NewSigner().PresignHTTP(ctx, aws.Credentials{AccessKeyID: srv.KeyID, SecretAccessKey: srv.Secret},
		req, emptyHash, "sts", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(signedURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("<Account>123456789012</Account>")) {
		t.Fatalf("presigned GetCallerIdentity: %d %s", resp.StatusCode, body)
	}
}

func TestUnknownOperation(t *testing.T) {
	resp, out := signedECS(t, testutil.Region(t), "LaunchRockets", "{}", srv.Secret, time.Now(), nil)
	if resp.StatusCode != 400 || out["__type"] != "UnknownOperationException" {
		t.Fatalf("%d %v", resp.StatusCode, out)
	}
	resp, out = signedECS(t, testutil.Region(t), "CreateCluster", `{"clusterName": 5}`, srv.Secret, time.Now(), nil)
	if resp.StatusCode != 400 || out["__type"] != "SerializationException" {
		t.Fatalf("%d %v", resp.StatusCode, out)
	}
}

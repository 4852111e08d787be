package sigv4

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// verifyingServer answers every request after verifying it, with the
// verifier's error worded for the request's protocol when it fails, and
// records each outcome.
type verifyingServer struct {
	*httptest.Server
	v *Verifier

	mu      sync.Mutex
	results []Result
	errs    []error
}

func newVerifyingServer(t *testing.T) *verifyingServer {
	s := &verifyingServer{v: &Verifier{Lookup: testLookup}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *verifyingServer) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	res, err := s.v.Verify(r.Context(), r, body)
	s.mu.Lock()
	s.results = append(s.results, res)
	s.errs = append(s.errs, err)
	s.mu.Unlock()

	isJSON := r.Header.Get("X-Amz-Target") != ""
	var e *Error
	switch {
	case errors.As(err, &e) && isJSON:
		e = e.For(JSON)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message})
	case errors.As(err, &e):
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(e.Status)
		fmt.Fprintf(w, "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>1</RequestId></ErrorResponse>",
			e.Code, e.Message)
	case err != nil:
		http.Error(w, "internal", http.StatusInternalServerError)
	case isJSON:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, "{}")
	default:
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:iam::123456789012:user/test</Arn><UserId>AIDTEST</UserId><Account>123456789012</Account>`+
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	}
}

func (s *verifyingServer) last() (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.results[len(s.results)-1], s.errs[len(s.errs)-1]
}

func sdkConfig(creds aws.Credentials) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.StaticCredentialsProvider{Value: creds},
		RetryMaxAttempts: 1,
	}
}

// TestSDKClients drives the real aws-sdk-go-v2 service clients against a
// server that verifies their requests.
func TestSDKClients(t *testing.T) {
	srv := newVerifyingServer(t)
	ctx := context.Background()
	ecsClient := func(creds aws.Credentials) *ecs.Client {
		return ecs.NewFromConfig(sdkConfig(creds), func(o *ecs.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	}
	stsClient := func(creds aws.Credentials) *sts.Client {
		return sts.NewFromConfig(sdkConfig(creds), func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	}

	tests := []struct {
		name     string
		call     func() error
		service  string
		wantCode string // "" when the call succeeds
	}{
		{
			name:    "ecs ListClusters",
			call:    func() error { _, err := ecsClient(permCreds).ListClusters(ctx, &ecs.ListClustersInput{}); return err },
			service: "ecs",
		},
		{
			name: "ecs DescribeClusters with odd names and a session token",
			call: func() error {
				_, err := ecsClient(tempCreds).DescribeClusters(ctx, &ecs.DescribeClustersInput{
					Clusters: []string{"a b", "ünï/côdé", `"quoted"`, "x+y=z&w"},
				})
				return err
			},
			service: "ecs",
		},
		{
			name: "sts GetCallerIdentity (awsQuery)",
			call: func() error {
				_, err := stsClient(tempCreds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				return err
			},
			service: "sts",
		},
		{
			name: "ecs with a wrong secret",
			call: func() error {
				_, err := ecsClient(aws.Credentials{AccessKeyID: permKeyID, SecretAccessKey: "wrong"}).ListClusters(ctx, &ecs.ListClustersInput{})
				return err
			},
			wantCode: "InvalidSignatureException",
		},
		{
			name: "ecs with an unknown key",
			call: func() error {
				_, err := ecsClient(aws.Credentials{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"}).ListClusters(ctx, &ecs.ListClustersInput{})
				return err
			},
			wantCode: "UnrecognizedClientException",
		},
		{
			name: "sts with an unknown key",
			call: func() error {
				_, err := stsClient(aws.Credentials{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				return err
			},
			wantCode: "InvalidClientTokenId",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			res, verr := srv.last()
			if tt.wantCode == "" {
				if err != nil || verr != nil {
					t.Fatalf("call: %v; verify: %v", err, verr)
				}
				if res.Service != tt.service {
					t.Errorf("service = %q, want %q", res.Service, tt.service)
				}
				return
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.wantCode {
				t.Fatalf("call error = %v, want API error %s", err, tt.wantCode)
			}
		})
	}
}

// TestSDKPresign verifies a URL presigned by the STS presign client, the
// way EKS-style tokens are made.
func TestSDKPresign(t *testing.T) {
	srv := newVerifyingServer(t)
	client := sts.NewFromConfig(sdkConfig(tempCreds), func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	req, err := sts.NewPresignClient(client).PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(req.URL, "X-Amz-Security-Token=") {
		t.Fatalf("presigned URL lacks the session token: %s", req.URL)
	}
	hr, err := http.NewRequest(req.Method, req.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range req.SignedHeader {
		if !strings.EqualFold(k, "host") {
			hr.Header[k] = v
		}
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	res, verr := srv.last()
	if verr != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, verify: %v", resp.StatusCode, verr)
	}
	if !res.Presigned || res.AccessKeyID != tempKeyID {
		t.Errorf("result = %+v", res)
	}
}

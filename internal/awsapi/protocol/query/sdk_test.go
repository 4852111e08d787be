package query

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// TestSDKClient drives the codec with aws-sdk-go-v2's STS client: the SDK
// serialises the requests berth decodes and deserialises the responses and
// errors berth writes.
func TestSDKClient(t *testing.T) {
	var decoded AssumeRoleRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		values, err := url.ParseQuery(string(body))
		if err != nil {
			t.Errorf("request body: %v", err)
		}
		var buf bytes.Buffer
		switch action := values.Get("Action"); action {
		case "GetCallerIdentity":
			err = WriteResponse(&buf, action, stsNS, &GetCallerIdentityResponse{
				UserId: "AIDASAMPLEUSERID", Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/DevAdmin"}, reqID)
		case "AssumeRole":
			if err := Decode(values, &decoded); err != nil {
				t.Errorf("Decode: %v", err)
			}
			err = WriteResponse(&buf, action, stsNS, assumeRoleResponse(), reqID)
		default:
			w.WriteHeader(http.StatusForbidden)
			err = WriteError(&buf, stsNS, "Sender", "AccessDenied", "no <access> for "+action, reqID)
		}
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)

	client := sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   srv.Client(),
	})
	ctx := context.Background()

	t.Run("GetCallerIdentity", func(t *testing.T) {
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Account) != "123456789012" || aws.ToString(out.Arn) != "arn:aws:iam::123456789012:user/DevAdmin" ||
			aws.ToString(out.UserId) != "AIDASAMPLEUSERID" {
			t.Errorf("GetCallerIdentity = %+v", out)
		}
	})

	t.Run("AssumeRole", func(t *testing.T) {
		out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn:           aws.String("arn:aws:iam::123456789012:role/demo"),
			RoleSessionName:   aws.String("sdk"),
			DurationSeconds:   aws.Int32(900),
			PolicyArns:        []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
			Tags:              []ststypes.Tag{{Key: aws.String("k1"), Value: aws.String("v1")}, {Key: aws.String("k2"), Value: aws.String("v & 2")}},
			TransitiveTagKeys: []string{"k1", "k2"},
		})
		if err != nil {
			t.Fatal(err)
		}
		wantIn := AssumeRoleRequest{
			RoleArn: "arn:aws:iam::123456789012:role/demo", RoleSessionName: "sdk", DurationSeconds: ptr(int32(900)),
			PolicyArns:        []PolicyDescriptorType{{Arn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			Tags:              []Tag{{"k1", "v1"}, {"k2", "v & 2"}},
			TransitiveTagKeys: []string{"k1", "k2"},
		}
		if diff := cmp.Diff(wantIn, decoded); diff != "" {
			t.Errorf("decoded SDK request (-want +got):\n%s", diff)
		}
		c := out.Credentials
		if c == nil || aws.ToString(c.SessionToken) != "AQoDYXdzEPT//////////wEXAMPLE" || !c.Expiration.Equal(expiration.Time) {
			t.Errorf("Credentials = %+v", c)
		}
		if u := out.AssumedRoleUser; u == nil || aws.ToString(u.AssumedRoleId) != "AROA3XFRBF535PLBIFPI4:s3-access-example" ||
			aws.ToString(u.Arn) != "arn:aws:sts::123456789012:assumed-role/demo/s3-access-example" {
			t.Errorf("AssumeRole = %+v", out)
		}
	})

	t.Run("error", func(t *testing.T) {
		_, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied" || apiErr.ErrorMessage() != "no <access> for GetSessionToken" {
			t.Errorf("GetSessionToken = %v, want AccessDenied", err)
		}
	})
}

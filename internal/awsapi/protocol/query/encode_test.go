package query

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/shape"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	stsNS   = "https://sts.amazonaws.com/doc/2011-06-15/"
	elbv2NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
	iamNS   = "https://iam.amazonaws.com/doc/2010-05-08/"
	reqID   = "c6104cbe-af31-11e0-8154-cbc7ccf896c7"
)

var expiration = shape.NewTime(time.Date(2024, 7, 1, 13, 14, 15, 0, time.UTC))

func assumeRoleResponse() *AssumeRoleResponse {
	return &AssumeRoleResponse{
		Credentials: &Credentials{
			AccessKeyId:     "ASIAIOSFODNN7EXAMPLE",
			SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
			SessionToken:    "AQoDYXdzEPT//////////wEXAMPLE",
			Expiration:      expiration,
		},
		AssumedRoleUser: &AssumedRoleUser{
			AssumedRoleId: "AROA3XFRBF535PLBIFPI4:s3-access-example",
			Arn:           "arn:aws:sts::123456789012:assumed-role/demo/s3-access-example",
		},
		PackedPolicySize: ptr(int32(6)),
	}
}

func describeTargetGroupsOutput() *DescribeTargetGroupsOutput {
	return &DescribeTargetGroupsOutput{
		TargetGroups: []TargetGroup{
			{
				TargetGroupArn:             "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067",
				TargetGroupName:            "web",
				Protocol:                   "HTTP",
				Port:                       ptr(int32(80)),
				VpcId:                      "vpc-3ac0fb5f",
				HealthCheckProtocol:        "HTTP",
				HealthCheckPort:            "traffic-port",
				HealthCheckEnabled:         ptr(true),
				HealthCheckIntervalSeconds: ptr(int32(30)),
				HealthCheckTimeoutSeconds:  ptr(int32(5)),
				HealthyThresholdCount:      ptr(int32(5)),
				UnhealthyThresholdCount:    ptr(int32(2)),
				HealthCheckPath:            "/",
				Matcher:                    &Matcher{HttpCode: "200"},
				LoadBalancerArns:           []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb/50dc6c495c0c9188"},
				TargetType:                 "ip",
				ProtocolVersion:            "HTTP1",
				IpAddressType:              "ipv4",
			},
			{
				TargetGroupName:    "idle",
				Port:               ptr(int32(8080)),
				HealthCheckEnabled: ptr(false),
				LoadBalancerArns:   []string{},
			},
		},
	}
}

func TestWriteResponse(t *testing.T) {
	tests := []struct {
		name   string
		action string
		xmlns  string
		result any
	}{
		{"get-caller-identity", "GetCallerIdentity", stsNS, &GetCallerIdentityResponse{
			UserId: "AIDASAMPLEUSERID", Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/DevAdmin"}},
		{"assume-role", "AssumeRole", stsNS, assumeRoleResponse()},
		{"describe-target-groups", "DescribeTargetGroups", elbv2NS, describeTargetGroupsOutput()},
		{"empty-result", "AddTags", elbv2NS, &AddTagsOutput{}},
		{"nil-pointer-result", "AddTags", elbv2NS, (*AddTagsOutput)(nil)},
		{"no-result", "DeleteRole", iamNS, nil},
		{"result-by-value", "GetCallerIdentity", "", GetCallerIdentityResponse{Account: "1"}},
		{"scalars", "Scalars", "urn:x", &Scalars{
			S: "a<b>&c\"d'e\r\n\tf\x00g\xffh\U0001F600", E: "on", B: ptr(false),
			I32: ptr(int32(-1)), I64: ptr(int64(math.MaxInt64)), F64: ptr(0.1),
			Blob: []byte{0, 1, 2, 0xfe, 0xff},
			T:    ptr(time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.FixedZone("X", 3600))),
			ST:   expiration, Ratio: math.Inf(-1), Ignore: "not written", hidden: "not written",
		}},
		{"zero-scalars", "Scalars", "urn:x", &Scalars{}},
		{"tagged", "Tagged", "urn:x", &Tagged{
			Items:      []string{"a", "b"},
			Flat:       []string{"x", "y"},
			FlatNamed:  []Attribute{{"n1", "v1"}, {Name: "n2"}},
			Attributes: map[string]string{"size": "L", "color": "blue"},
			FlatMap:    map[string]string{"k2": "v2", "k1": "v1"},
			StructMap:  map[string]Attribute{"one": {"n", "v"}, "empty": {}},
			Nested:     [][]string{{"a", "b"}, {}},
			Self:       &Tagged{Items: []string{}, Self: &Tagged{}},
		}},
		{"renamed", "Renamed", "urn:x", &Renamed{
			Event: "ev", Other: "evt",
			Epoch:   shape.NewTime(time.Unix(1700000000, 0)),
			EpochMs: ptr(time.Unix(1700000000, 250e6)),
			HTTP:    ptr(time.Unix(1700000000, 0)),
			ISO:     shape.NewTime(time.Unix(1700000000, 123e6)),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteResponse(&buf, tt.action, tt.xmlns, tt.result, reqID); err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, buf.Bytes())
			golden(t, tt.name, buf.Bytes())
		})
	}
}

func TestWriteError(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteError(&buf, iamNS, "Sender", "NoSuchEntity", "The role with name <demo> cannot be found.", reqID); err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, buf.Bytes())
	golden(t, "error", buf.Bytes())
}

func TestWriteResponseBadResult(t *testing.T) {
	for name, result := range map[string]any{
		"not a structure": ptr("s"),
		"unsupported":     &struct{ F func() }{},
	} {
		t.Run(name, func(t *testing.T) {
			w := &countingWriter{}
			if err := WriteResponse(w, "Op", "", result, reqID); err == nil {
				t.Error("WriteResponse succeeded")
			}
			if w.n != 0 {
				t.Errorf("wrote %d bytes on error, want none", w.n)
			}
		})
	}
}

func TestWriteResponseWriterError(t *testing.T) {
	want := errors.New("broken pipe")
	if err := WriteResponse(failingWriter{want}, "Op", "", nil, reqID); !errors.Is(err, want) {
		t.Errorf("WriteResponse = %v, want %v", err, want)
	}
	if err := WriteError(failingWriter{want}, "", "Sender", "C", "M", reqID); !errors.Is(err, want) {
		t.Errorf("WriteError = %v, want %v", err, want)
	}
}

// Every response must parse, whatever the text in it.
func checkWellFormed(t *testing.T, doc []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("response is not well-formed XML: %v\n%s", err, doc)
		}
	}
}

// golden compares got with testdata/encode/name.xml (whose one trailing
// newline is not part of the document), or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "encode", name+".xml")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSuffix(string(want), "\n"); string(got) != want {
		t.Errorf("response differs from %s:\n got: %s\nwant: %s", path, got, want)
	}
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

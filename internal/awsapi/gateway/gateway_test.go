package gateway

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/awsapi/shape"
)

var update = flag.Bool("update", false, "rewrite golden files")

// A toy JSON service and a toy query service exercise the gateway without
// any real service's logic.
type echoInput struct {
	Name  string      `json:"name,omitzero"`
	Count *int32      `json:"count,omitzero"`
	When  *shape.Time `json:"when,omitzero"`
	Tags  []string    `json:"tags,omitzero"`
}

type echoOutput struct {
	Greeting string      `json:"greeting,omitzero"`
	Count    int32       `json:"count"`
	When     *shape.Time `json:"when,omitzero"`
	Tags     []string    `json:"tags,omitzero"`
	Caller   string      `json:"caller,omitzero"`
	Region   string      `json:"region,omitzero"`
}

type listInput struct {
	Names []string `json:"Names,omitzero"`
	Limit *int32   `json:"Limit,omitzero"`
}

type listOutput struct {
	Items []listItem `json:"Items,omitzero"`
}

type listItem struct {
	Name string `json:"Name,omitzero"`
	Size int32  `json:"Size"`
}

type describeThingsInput struct {
	ThingIds   []string `json:"ThingId,omitzero" locationName:"ThingId"`
	MaxResults *int32   `json:"maxResults,omitzero"`
}

type describeThingsOutput struct {
	Things []thing `json:"thingSet,omitzero" locationName:"item"`
}

type thing struct {
	ThingID string `json:"thingId,omitzero"`
	Index   int32  `json:"index"`
}

func describeThings(ctx context.Context, in *describeThingsInput) (*describeThingsOutput, error) {
	out := &describeThingsOutput{Things: []thing{}}
	for i, id := range in.ThingIds {
		out.Things = append(out.Things, thing{ThingID: id, Index: int32(i)})
	}
	return out, nil
}

func echo(ctx context.Context, in *echoInput) (*echoOutput, error) {
	info := protocol.Request(ctx)
	out := &echoOutput{Greeting: "hello " + in.Name, When: in.When, Tags: in.Tags,
		Caller: info.Principal.ARN, Region: info.Region}
	if in.Count != nil {
		out.Count = *in.Count
	}
	return out, nil
}

func fail(ctx context.Context, in *echoInput) (*echoOutput, error) {
	return nil, fmt.Errorf("wrapped: %w", protocol.Errorf("ThingNotFoundException", 400, "Thing %q not found.", in.Name))
}

func boom(ctx context.Context, in *echoInput) (*echoOutput, error) {
	return nil, errors.New("disk on fire")
}

func list(ctx context.Context, in *listInput) (*listOutput, error) {
	out := &listOutput{}
	for i, n := range in.Names {
		out.Items = append(out.Items, listItem{Name: n, Size: int32(i)})
	}
	return out, nil
}

func toyServices() []*protocol.Service {
	return []*protocol.Service{
		{SigningName: "toy", Wire: protocol.AWSJSON11, TargetPrefix: "Toy_20240101", Operations: []protocol.Operation{
			protocol.Op("toy", "Echo", echo), protocol.Op("toy", "Fail", fail), protocol.Op("toy", "Boom", boom),
			protocol.Op("toy", "Forbidden", echo),
		}},
		{SigningName: "toyq", Wire: protocol.AWSQuery, Version: "2024-01-01", XMLNamespace: "https://toyq.example/doc/2024-01-01/",
			Operations: []protocol.Operation{protocol.Op("toyq", "ListThings", list)}},
		{SigningName: "toyec2", Wire: protocol.EC2Query, Version: "2016-11-15", XMLNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
			Operations: []protocol.Operation{protocol.Op("toyec2", "DescribeThings", describeThings)}},
	}
}

// fakeAuth accepts "Authorization: test ... Credential=AKID/date/<region>/<svc>/aws4_request".
type fakeAuth struct{}

func (fakeAuth) Authenticate(ctx context.Context, r *http.Request, body []byte, wire protocol.Wire) (protocol.Principal, string, *protocol.Error) {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "test ") {
		code := "MissingAuthenticationTokenException"
		if wire == protocol.AWSQuery {
			code = "MissingAuthenticationToken"
		}
		return protocol.Principal{}, "", protocol.Errorf(code, 403, "Request is missing Authentication Token")
	}
	return protocol.Principal{AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:root", Root: true}, "eu-west-3", nil
}

type denyForbidden struct{}

func (denyForbidden) Authorize(ctx context.Context, p protocol.Principal, action, resource string) error {
	if action == "toy:Forbidden" {
		return protocol.Errorf("AccessDeniedException", 403, "not allowed: %s on %s", action, resource)
	}
	return nil
}

const testAuth = "test Credential=AKID/20240101/eu-west-3/%s/aws4_request, SignedHeaders=host, Signature=x"

func TestGolden(t *testing.T) {
	gw := New(fakeAuth{}, denyForbidden{}, slog.New(slog.NewTextHandler(io.Discard, nil)), toyServices()...)
	jsonReq := func(target, body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Authorization", fmt.Sprintf(testAuth, "toy"))
		return r
	}
	queryReq := func(body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		r.Header.Set("Authorization", fmt.Sprintf(testAuth, "toyq"))
		return r
	}
	ec2Req := func(body string) *http.Request {
		r := queryReq(body)
		r.Header.Set("Authorization", fmt.Sprintf(testAuth, "toyec2"))
		return r
	}
	unsigned := func(r *http.Request) *http.Request { r.Header.Del("Authorization"); return r }
	cases := map[string]*http.Request{
		"json_ok":             jsonReq("Toy_20240101.Echo", `{"name":"berth","count":3,"when":1700000000.5,"tags":[]}`),
		"json_empty_body":     jsonReq("Toy_20240101.Echo", ``),
		"json_service_error":  jsonReq("Toy_20240101.Fail", `{"name":"x"}`),
		"json_internal_error": jsonReq("Toy_20240101.Boom", `{}`),
		"json_unknown_op":     jsonReq("Toy_20240101.Nope", `{}`),
		"json_unknown_target": jsonReq("Other_1.Echo", `{}`),
		"json_bad_type":       jsonReq("Toy_20240101.Echo", `{"count":"three"}`),
		"json_bad_json":       jsonReq("Toy_20240101.Echo", `{"name":`),
		"json_unsigned":       unsigned(jsonReq("Toy_20240101.Echo", `{}`)),
		"json_denied":         jsonReq("Toy_20240101.Forbidden", `{}`),
		"query_ok":            queryReq("Action=ListThings&Version=2024-01-01&Names.member.1=a&Names.member.2=b%26c"),
		"query_bad_value":     queryReq("Action=ListThings&Version=2024-01-01&Limit=lots"),
		"query_unknown_op":    queryReq("Action=Explode&Version=2024-01-01"),
		"query_no_action":     queryReq("Version=2024-01-01"),
		"query_unsigned":      unsigned(queryReq("Action=ListThings&Version=2024-01-01")),
		"ec2_ok":              ec2Req("Action=DescribeThings&Version=2016-11-15&ThingId.1=t-1&ThingId.2=t-2"),
		"ec2_bad_value":       ec2Req("Action=DescribeThings&Version=2016-11-15&MaxResults=lots"),
		"ec2_unknown_op":      ec2Req("Action=RunInstances&Version=2016-11-15"),
	}
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			gw.ServeHTTP(rec, cases[name])
			checkGolden(t, name, render(rec))
		})
	}
}

var requestIDPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`)

// render prints a response's status, the headers clients read and the
// body, with the random request id replaced.
func render(rec *httptest.ResponseRecorder) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", rec.Code)
	for _, h := range []string{"Content-Type", "X-Amzn-Errortype"} {
		if v := rec.Header().Get(h); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", h, v)
		}
	}
	if !requestIDPattern.MatchString(rec.Header().Get("X-Amzn-Requestid")) {
		fmt.Fprintf(&b, "BAD REQUEST ID %q\n", rec.Header().Get("X-Amzn-Requestid"))
	}
	if rec.Header().Get("Date") == "" {
		b.WriteString("MISSING DATE HEADER\n")
	}
	b.WriteString("\n")
	b.WriteString(requestIDPattern.ReplaceAllString(rec.Body.String(), "REQUEST-ID"))
	b.WriteString("\n")
	return b.String()
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("response differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestRequestIDsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := protocol.NewRequestID()
		if seen[id] || !requestIDPattern.MatchString(id) {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

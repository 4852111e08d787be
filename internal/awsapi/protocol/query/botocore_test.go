package query

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// These tests hold the codec to botocore, which the aws CLI is built on:
// botocore's QuerySerializer writes the requests berth decodes, and its
// QueryParser reads the responses berth writes. The shapes' json tags carry
// the botocore member names, so encoding/json of a Go shape is directly
// comparable with botocore's parameter and result dicts.

// requireBotocore skips the test unless python3 can import botocore.
func requireBotocore(t *testing.T) {
	t.Helper()
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		t.Skipf("python3 with botocore not available: %v", err)
	}
}

// runPython runs testdata/botocore/script with input as JSON on stdin and
// decodes its JSON output into out.
func runPython(t *testing.T, script string, input, out any) {
	t.Helper()
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", filepath.Join("testdata", "botocore", script))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr.Bytes())
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("%s: %v", script, err)
	}
}

// jsonValue returns v as encoding/json sees it: maps, slices, float64s.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// dropEmptyStrings removes "" members from the maps in v.
func dropEmptyStrings(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == "" {
				delete(v, k)
			} else {
				v[k] = dropEmptyStrings(e)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = dropEmptyStrings(e)
		}
	}
	return v
}

func TestDecodeBotocoreRequests(t *testing.T) {
	requireBotocore(t)
	data, err := os.ReadFile(filepath.Join("testdata", "botocore", "requests.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name   string         `json:"name"`
		Params map[string]any `json:"params"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	var requests []any
	if err := json.Unmarshal(data, &requests); err != nil {
		t.Fatal(err)
	}
	var bodies map[string]string
	runPython(t, "serialize.py", requests, &bodies)

	inputs := map[string]func() any{
		"sts-assume-role":           func() any { return new(AssumeRoleRequest) },
		"elbv2-create-target-group": func() any { return new(CreateTargetGroupInput) },
		"elbv2-add-tags":            func() any { return new(AddTagsInput) },
		"elbv2-set-security-groups": func() any { return new(SetSecurityGroupsInput) },
		"elbv2-create-rule":         func() any { return new(CreateRuleInput) },
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			body, ok := bodies[c.Name]
			if !ok {
				t.Fatal("botocore serialised no body")
			}
			values, err := url.ParseQuery(body)
			if err != nil {
				t.Fatal(err)
			}
			in := inputs[c.Name]()
			if err := Decode(values, in); err != nil {
				t.Fatalf("Decode(%s): %v", body, err)
			}
			// The shapes cannot tell "" from absent (strings are
			// values with omitzero), so neither side keeps them.
			want := dropEmptyStrings(jsonValue(t, c.Params))
			if diff := cmp.Diff(want, jsonValue(t, in)); diff != "" {
				t.Errorf("decoded input differs from the parameters botocore serialised (-botocore +berth):\n%s\nbody: %s", diff, body)
			}
		})
	}
}

func TestBotocoreParsesResponses(t *testing.T) {
	requireBotocore(t)
	type response struct {
		Name      string `json:"name"`
		Service   string `json:"service"`
		Operation string `json:"operation"`
		Status    int    `json:"status"`
		Body      string `json:"body"`
		want      any    // nil: no fields
	}
	responses := []response{
		{Name: "get-caller-identity", Service: "sts", Operation: "GetCallerIdentity", want: &GetCallerIdentityResponse{
			UserId: "AIDASAMPLEUSERID", Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/DevAdmin"}},
		{Name: "assume-role", Service: "sts", Operation: "AssumeRole", want: assumeRoleResponse()},
		{Name: "describe-target-groups", Service: "elbv2", Operation: "DescribeTargetGroups", want: describeTargetGroupsOutput()},
		{Name: "add-tags", Service: "elbv2", Operation: "AddTags", want: &AddTagsOutput{}},
		{Name: "delete-role", Service: "iam", Operation: "DeleteRole"},
	}
	for i := range responses {
		r := &responses[i]
		r.Status = 200
		var buf bytes.Buffer
		if err := WriteResponse(&buf, r.Operation, "urn:test", r.want, reqID); err != nil {
			t.Fatal(err)
		}
		r.Body = buf.String()
	}
	var errBody bytes.Buffer
	if err := WriteError(&errBody, stsNS, "Sender", "AccessDenied", "User: x is not authorized & <denied>", reqID); err != nil {
		t.Fatal(err)
	}
	responses = append(responses, response{Name: "error", Service: "sts", Operation: "AssumeRole",
		Status: 403, Body: errBody.String(), want: map[string]any{"Error": map[string]any{
			"Type": "Sender", "Code": "AccessDenied", "Message": "User: x is not authorized & <denied>"}}})

	var parsed map[string]map[string]any
	runPython(t, "parse.py", responses, &parsed)
	for _, r := range responses {
		t.Run(r.Name, func(t *testing.T) {
			got, ok := parsed[r.Name]
			if !ok {
				t.Fatal("botocore parsed nothing")
			}
			meta, _ := got["ResponseMetadata"].(map[string]any)
			if meta["RequestId"] != reqID {
				t.Errorf("ResponseMetadata = %v, want RequestId %s", meta, reqID)
			}
			delete(got, "ResponseMetadata")
			want := map[string]any{}
			if r.want != nil {
				want = jsonValue(t, r.want).(map[string]any)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("botocore parsed (-berth +botocore):\n%s\nbody: %s", diff, r.Body)
			}
		})
	}
}

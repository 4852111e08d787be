package query

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

// readForm reads a golden request body: one name=value pair a line, as they
// would be joined with & on the wire.
func readForm(t testing.TB, name string) url.Values {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "decode", name+".form"))
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Join(strings.Fields(string(data)), "&")
	values, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return values
}

func TestDecode(t *testing.T) {
	tests := []struct {
		form string
		into any // pointer to a zero input
		want any
	}{
		{"scalars", &Scalars{}, &Scalars{
			S: "hello world&<>", E: "active", B: ptr(true),
			I32: ptr(int32(-2147483648)), I64: ptr(int64(9223372036854775807)), F64: ptr(1500.0),
			Blob:  []byte("hello"),
			T:     ptr(time.Date(2024, 2, 29, 12, 34, 56, 789e6, time.UTC)),
			ST:    shape.NewTime(time.Date(2024, 2, 29, 12, 34, 56, 0, time.UTC)),
			Count: 7, Flag: true, Ratio: inf,
		}},
		{"assume-role", &AssumeRoleRequest{}, &AssumeRoleRequest{
			RoleArn:         "arn:aws:iam::123456789012:role/demo",
			RoleSessionName: "s1",
			DurationSeconds: ptr(int32(3600)),
			PolicyArns: []PolicyDescriptorType{
				{Arn: "arn:aws:iam::aws:policy/ReadOnlyAccess"},
				{Arn: "arn:aws:iam::123456789012:policy/mine"},
			},
			Tags:              []Tag{{"Project", "Unicorn"}, {"Team", "A & B"}},
			TransitiveTagKeys: []string{"Project", "Team"},
		}},
		{"list-order", &AddTagsInput{}, &AddTagsInput{
			ResourceArns: []string{"arn-1", "arn-2", "arn-3", "arn-4", "arn-5", "arn-6",
				"arn-7", "arn-8", "arn-9", "arn-10", "arn-11"},
			Tags: []Tag{{Key: "a", Value: "1"}, {Key: "b"}},
		}},
		{"list-sparse", &AddTagsInput{}, &AddTagsInput{
			ResourceArns: []string{"third", "seventh"},
			Tags:         []Tag{{Key: "k2"}, {Key: "k4", Value: "v4"}},
		}},
		{"empty-list", &SetSecurityGroupsInput{}, &SetSecurityGroupsInput{
			LoadBalancerArn: "arn", SecurityGroups: []string{},
		}},
		{"create-rule", &CreateRuleInput{}, &CreateRuleInput{
			ListenerArn: "arn:listener",
			Priority:    ptr(int32(10)),
			Conditions: []RuleCondition{
				{Field: "host-header", HostHeaderConfig: &ValuesConfig{Values: []string{"example.com", "*.example.com"}}},
				{Field: "query-string", QueryStringConfig: &QueryStringConditionConfig{
					Values: []QueryStringKeyValuePair{{Key: "version", Value: "v1"}, {Value: "*"}}}},
				{Field: "http-header", HttpHeaderConfig: &HttpHeaderConditionConfig{
					HttpHeaderName: "User-Agent", Values: []string{"*Mobile*"}}},
			},
			Actions: []Action{
				{Type: "authenticate-oidc", Order: ptr(int32(1)), AuthenticateOidcConfig: &AuthenticateOidcActionConfig{
					Issuer: "https://idp", SessionTimeout: ptr(int64(604800)), UseExistingClientSecret: ptr(false),
					AuthenticationRequestExtraParams: map[string]string{"display": "page", "prompt": "login"},
				}},
				{Type: "forward", Order: ptr(int32(2)), ForwardConfig: &ForwardActionConfig{
					TargetGroups: []TargetGroupTuple{
						{TargetGroupArn: "tg-1", Weight: ptr(int32(80))},
						{TargetGroupArn: "tg-2", Weight: ptr(int32(20))},
					},
					TargetGroupStickinessConfig: &TargetGroupStickinessConfig{Enabled: ptr(true), DurationSeconds: ptr(int32(300))},
				}},
			},
		}},
		{"tagged", &Tagged{}, &Tagged{
			Items:      []string{"a", "b"},
			Flat:       []string{"x", "y"},
			FlatNamed:  []Attribute{{"n1", "v1"}, {Name: "n2"}},
			Attributes: map[string]string{"color": "blue", "size": ""},
			FlatMap:    map[string]string{"k": "v"},
			StructMap:  map[string]Attribute{"one": {"n", "v"}},
			Nested:     [][]string{{"a", "b"}, {"c"}},
			Self:       &Tagged{Items: []string{"inner"}, Self: &Tagged{Flat: []string{"innermost"}}},
		}},
		{"renamed", &Renamed{}, &Renamed{
			Event: "ev", Other: "evt",
			Epoch:   shape.NewTime(time.Unix(1700000000, 0)),
			EpochMs: ptr(time.Unix(1700000000, 250e6).UTC()),
			HTTP:    ptr(time.Unix(1700000000, 0).UTC()),
			ISO:     shape.NewTime(time.Unix(1700000000, 123e6)),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.form, func(t *testing.T) {
			if err := Decode(readForm(t, tt.form), tt.into); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tt.into, cmp.AllowUnexported(Scalars{})); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

var inf, _ = strconv.ParseFloat("Infinity", 64)

func TestDecodeInvalidValue(t *testing.T) {
	tests := []struct {
		body  string
		into  any
		param string
		msg   string
	}{
		{"I32=abc", &Scalars{}, "I32", "Value 'abc' for parameter I32 is not a valid integer."},
		{"I32=2147483648", &Scalars{}, "I32", "Value '2147483648' for parameter I32 is out of range for an integer."},
		{"I32=", &Scalars{}, "I32", "Value '' for parameter I32 is not a valid integer."},
		{"Count=1.5", &Scalars{}, "Count", "Value '1.5' for parameter Count is not a valid integer."},
		{"B=yes", &Scalars{}, "B", "Value 'yes' for parameter B is not a valid boolean."},
		{"F64=1,5", &Scalars{}, "F64", "Value '1,5' for parameter F64 is not a valid number."},
		{"Blob=%21%21", &Scalars{}, "Blob", "Value '!!' for parameter Blob is not a valid base64 blob."},
		{"T=yesterday", &Scalars{}, "T", "Value 'yesterday' for parameter T is not a valid timestamp."},
		{"ST=yesterday", &Scalars{}, "ST", "Value 'yesterday' for parameter ST is not a valid timestamp."},
		{"Actions.member.1.ForwardConfig.TargetGroups.member.2.Weight=heavy", &CreateRuleInput{},
			"Actions.member.1.ForwardConfig.TargetGroups.member.2.Weight",
			"Value 'heavy' for parameter Actions.member.1.ForwardConfig.TargetGroups.member.2.Weight is not a valid integer."},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			values, err := url.ParseQuery(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			err = Decode(values, tt.into)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode = %v, want a *DecodeError", err)
			}
			if de.Param != tt.param || err.Error() != tt.msg {
				t.Errorf("Decode = %q (param %q), want %q (param %q)", err, de.Param, tt.msg, tt.param)
			}
		})
	}
}

func TestDecodeBadTarget(t *testing.T) {
	values := url.Values{"A": {"1"}}
	for name, into := range map[string]any{
		"nil":         nil,
		"not pointer": Scalars{},
		"nil pointer": (*Scalars)(nil),
		"not struct":  ptr("s"),
		"unsupported": &struct{ C chan int }{},
		"map key":     &struct{ M map[int]string }{},
	} {
		t.Run(name, func(t *testing.T) {
			err := Decode(values, into)
			var de *DecodeError
			if err == nil || errors.As(err, &de) {
				t.Errorf("Decode = %v, want a programming error", err)
			}
		})
	}
}

// A recursive shape must not let a long parameter name recurse without
// bound: names nested beyond maxDepth are ignored.
func TestDecodeDepthLimit(t *testing.T) {
	shallow := strings.Repeat("Self.", maxDepth-3) + "Items.item.1" // maxDepth segments
	deep := strings.Repeat("Self.", 100000) + "Items.item.1"
	var in Tagged
	if err := Decode(url.Values{shallow: {"kept"}, deep: {"dropped"}}, &in); err != nil {
		t.Fatal(err)
	}
	depth, v := 0, &in
	for v.Self != nil {
		depth, v = depth+1, v.Self
	}
	if depth != maxDepth-3 || len(v.Items) != 1 || v.Items[0] != "kept" {
		t.Errorf("decoded %d levels, innermost Items %q; want %d levels and [kept]", depth, v.Items, maxDepth-3)
	}
}

// Decoding from several goroutines at once builds and reads the type cache
// concurrently; run with -race.
func TestDecodeConcurrent(t *testing.T) {
	values := readForm(t, "create-rule")
	done := make(chan error)
	for range 8 {
		go func() {
			var in CreateRuleInput
			done <- Decode(values, &in)
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

package ec2query

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/awsapi/shape"
)

func ptr[T any](v T) *T { return &v }

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		form string
		want namingInput
	}{{
		name: "naming rules",
		form: "Action=X&Version=2016-11-15&Plain=p&Located=l&QN=q&Queried=ignored&Renamed=r&Ignored=x&located=lower",
		want: namingInput{Plain: "p", Located: "l", Queried: "q", Renamed: "r"},
	}, {
		name: "scalars",
		form: "Count=7&Enabled=TRUE&Size=-9000000000&Ratio=1.5&When=2024-05-06T07:08:09.123Z",
		want: namingInput{Count: ptr[int32](7), Enabled: ptr(true), Size: -9000000000, Ratio: 1.5,
			When: shape.NewTime(time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC))},
	}, {
		name: "flattened lists, ordered by index with gaps closed",
		form: "Id.10=c&Id.2=b&Id.1=a&Id.x=bad&Id.0=zero&Id.3.Sub=nothing",
		want: namingInput{Ids: []string{"a", "b", "c"}},
	}, {
		name: "structures and lists of structures",
		form: "Nested.Name=n&Nested.Value.1=v1&NestedSet.2.Name=b&NestedSet.1.Name=a&NestedSet.1.Value.1=x&NestedSet.1.Value.2=y",
		want: namingInput{
			Nested:  &nested{Name: "n", Values: []string{"v1"}},
			Nesteds: []nested{{Name: "a", Values: []string{"x", "y"}}, {Name: "b"}},
		},
	}, {
		name: "list of lists",
		form: "Matrix.1.1=1&Matrix.1.2=2&Matrix.2.1=3",
		want: namingInput{Matrix: [][]int{{1, 2}, {3}}},
	}, {
		name: "empty list",
		form: "Id=",
		want: namingInput{Ids: []string{}},
	}, {
		name: "map entries",
		form: "Attributes.entry.1.key=a&Attributes.entry.1.value=1&Attributes.entry.2.key=b&Attributes.entry.3.value=orphan",
		want: namingInput{Attributes: map[string]string{"a": "1", "b": ""}},
	}, {
		name: "scalar pointer with only children stays nil",
		form: "Count.x=1",
		want: namingInput{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values, err := url.ParseQuery(tt.form)
			if err != nil {
				t.Fatal(err)
			}
			var got namingInput
			if err := Decode(values, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		form, param, msg string
	}{
		{"Count=seven", "Count", "Value 'seven' for parameter Count is not a valid integer."},
		{"Count=99999999999", "Count", "Value '99999999999' for parameter Count is out of range for an integer."},
		{"Enabled=yes", "Enabled", "Value 'yes' for parameter Enabled is not a valid boolean."},
		{"NestedSet.3.Value.2=ok&Matrix.2.1=x", "Matrix.2.1", "Value 'x' for parameter Matrix.2.1 is not a valid integer."},
		{"When=yesterday", "When", ""},
	}
	for _, tt := range tests {
		t.Run(tt.form, func(t *testing.T) {
			values, err := url.ParseQuery(tt.form)
			if err != nil {
				t.Fatal(err)
			}
			var in namingInput
			err = Decode(values, &in)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode = %v, want a *DecodeError", err)
			}
			if de.Param != tt.param {
				t.Errorf("Param = %q, want %q", de.Param, tt.param)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("message = %q, want %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestDecodeBadTarget(t *testing.T) {
	for _, v := range []any{nil, namingInput{}, (*namingInput)(nil), new(string), new(struct{ C chan int })} {
		if err := Decode(url.Values{"A": {"b"}}, v); err == nil {
			t.Errorf("Decode(%T) = nil, want an error", v)
		}
	}
}

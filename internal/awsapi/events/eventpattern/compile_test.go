package eventpattern

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCompileInvalid(t *testing.T) {
	cases := []struct {
		pattern string
		reason  string
	}{
		// The pattern's shape.
		{``, "Filter is not an object"},
		{`  `, "Filter is not an object"},
		{`[]`, "Filter is not an object"},
		{`"x"`, "Filter is not an object"},
		{`null`, "Filter is not an object"},
		{`{}`, "Empty objects are not allowed"},
		{`{"detail":{}}`, "Empty objects are not allowed"},
		{`{"source":"aws.ec2"}`, `"source" must be an object or an array`},
		{`{"source":5}`, `"source" must be an object or an array`},
		{`{"source":null}`, `"source" must be an object or an array`},
		{`{"source":[]}`, "Empty arrays are not allowed"},
		{`{"a":[["x"]]}`, "Match value must be String, number, true, false, or null"},
		{`{"a":[{}]}`, "Match expression name not found"},
		{`{"a":[{"foo":"x"}]}`, "Unrecognized match type foo"},
		{`{"a":[{"exactly":"x"}]}`, "Unrecognized match type exactly"},
		// prefix, suffix, equals-ignore-case, wildcard, exists.
		{`{"a":[{"prefix":"x","suffix":"y"}]}`, "Only one key allowed in match expression"},
		{`{"a":[{"prefix":5}]}`, "prefix match pattern must be a string"},
		{`{"a":[{"prefix":{}}]}`, "Prefix expression name not found"},
		{`{"a":[{"prefix":{"foo":"x"}}]}`, "Unsupported prefix pattern: foo"},
		{`{"a":[{"prefix":{"equals-ignore-case":1}}]}`, "equals-ignore-case match pattern must be a string"},
		{`{"a":[{"prefix":{"equals-ignore-case":"x","b":1}}]}`, "Only one key allowed in match expression"},
		{`{"a":[{"suffix":["x"]}]}`, "suffix match pattern must be a string"},
		{`{"a":[{"suffix":{"x":"y"}}]}`, "Unsupported suffix pattern: x"},
		{`{"a":[{"suffix":{}}]}`, "Suffix expression name not found"},
		{`{"a":[{"equals-ignore-case":1}]}`, "equals-ignore-case match pattern must be a string"},
		{`{"a":[{"wildcard":1}]}`, "wildcard match pattern must be a string"},
		{`{"a":[{"wildcard":"a**b"}]}`, "Consecutive wildcard characters at pos 2"},
		{`{"a":[{"wildcard":"a\\b"}]}`, "Invalid escape character at pos 2"},
		{`{"a":[{"wildcard":"ab\\"}]}`, "Invalid escape character at pos 3"},
		{`{"a":[{"exists":"yes"}]}`, "exists match pattern must be either true or false."},
		{`{"a":[{"exists":true,"x":1}]}`, "Only one key allowed in match expression"},
		// numeric.
		{`{"a":[{"numeric":5}]}`, "Value of numeric must be an array."},
		{`{"a":[{"numeric":[]}]}`, "Invalid member in numeric match: ]"},
		{`{"a":[{"numeric":[5]}]}`, "Invalid member in numeric match: 5"},
		{`{"a":[{"numeric":["!",5]}]}`, "Unrecognized numeric range operator: !"},
		{`{"a":[{"numeric":[">","5"]}]}`, "Value of > must be numeric"},
		{`{"a":[{"numeric":["<="]}]}`, "Value of <= must be numeric"},
		{`{"a":[{"numeric":["=","5"]}]}`, "Value of equals must be numeric"},
		{`{"a":[{"numeric":["=",5,"<",6]}]}`, "Too many elements in numeric expression"},
		{`{"a":[{"numeric":["<",5,">",6]}]}`, "Too many elements in numeric expression"},
		{`{"a":[{"numeric":[">",5,">",6]}]}`, "Bad numeric range operator: >"},
		{`{"a":[{"numeric":[">",5,6]}]}`, "Bad value in numeric range: 6"},
		{`{"a":[{"numeric":[">",5,"<","6"]}]}`, "Value of < must be numeric"},
		{`{"a":[{"numeric":[">",5,"<",6,7]}]}`, "Too many terms in numeric range expression"},
		{`{"a":[{"numeric":[">",6,"<",5]}]}`, "Bottom must be less than top"},
		{`{"a":[{"numeric":[">",5,"<=",5]}]}`, "Bottom must be less than top"},
		{`{"a":[{"numeric":[">",5e9]}]}`, "Bottom must be less than top"},
		{`{"a":[{"numeric":["<",-5000000000]}]}`, "Bottom must be less than top"},
		{`{"a":[{"numeric":[">",6e9]}]}`, reasonRange},
		{`{"a":[{"numeric":["<",-5000000000.5]}]}`, reasonRange},
		{`{"a":[{"numeric":["=",0.1234567]}]}`, reasonDecimals},
		{`{"a":[{"numeric":[">",0],"x":1}]}`, "Too many elements in numeric expression"},
		// anything-but.
		{`{"a":[{"anything-but":null}]}`, "Value of anything-but must be an array or single string/number value."},
		{`{"a":[{"anything-but":true}]}`, "Value of anything-but must be an array or single string/number value."},
		{`{"a":[{"anything-but":["a",1]}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported"},
		{`{"a":[{"anything-but":[]}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported"},
		{`{"a":[{"anything-but":[null]}]}`, reasonButListType},
		{`{"a":[{"anything-but":[{"prefix":"x"}]}]}`, reasonButListType},
		{`{"a":[{"anything-but":[6e9]}]}`, reasonRange},
		{`{"a":[{"anything-but":{}}]}`, "Anything-But expression name not found"},
		{`{"a":[{"anything-but":{"numeric":[">",1]}}]}`, "Unsupported anything-but pattern: numeric"},
		{`{"a":[{"anything-but":{"prefix":""}}]}`, "Null prefix/suffix not allowed"},
		{`{"a":[{"anything-but":{"suffix":["x",""]}}]}`, "Null prefix/suffix not allowed"},
		{`{"a":[{"anything-but":{"prefix":1}}]}`, "prefix/suffix match pattern must be a string"},
		{`{"a":[{"anything-but":{"suffix":[1]}}]}`, "prefix/suffix match pattern must be a string"},
		{`{"a":[{"anything-but":{"prefix":null}}]}`, "Value of anything-but must be an array or single string/number value."},
		{`{"a":[{"anything-but":{"equals-ignore-case":[1]}}]}`, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."},
		{`{"a":[{"anything-but":{"equals-ignore-case":1}}]}`, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."},
		{`{"a":[{"anything-but":{"wildcard":1}}]}`, "wildcard match pattern must be a string"},
		{`{"a":[{"anything-but":{"wildcard":"a**"}}]}`, "Consecutive wildcard characters at pos 2"},
		{`{"a":[{"anything-but":{"wildcard":["ok","b\\c"]}}]}`, "Invalid escape character at pos 2"},
		{`{"a":[{"anything-but":{"prefix":"a","suffix":"b"}}]}`, "Too many elements in numeric expression"},
		{`{"a":[{"anything-but":"x","prefix":"y"}]}`, "Too many elements in numeric expression"},
		// cidr.
		{`{"a":[{"cidr":1}]}`, "prefix match pattern must be a string"},
		{`{"a":[{"cidr":"10.0.0.0"}]}`, "Malformed CIDR, one '/' required"},
		{`{"a":[{"cidr":"10.0.0.0/8/8"}]}`, "Malformed CIDR, one '/' required"},
		{`{"a":[{"cidr":"10.0.0.0/x"}]}`, "Malformed CIDR, mask bits must be an integer"},
		{`{"a":[{"cidr":"10.0.0.0/-1"}]}`, "Malformed CIDR, mask bits must not be negative"},
		{`{"a":[{"cidr":"10.0.0.0/32"}]}`, "IPv4 mask bits must be < 32"},
		{`{"a":[{"cidr":"::/128"}]}`, "IPv6 mask bits must be < 128"},
		{`{"a":[{"cidr":"host/8"}]}`, "Nonstandard IP address: host"},
		{`{"a":[{"cidr":"10.0.0.256/8"}]}`, "Invalid IP address: 10.0.0.256"},
		// $or.
		{`{"$or":{"a":["b"]}}`, "It must be an Array followed with $or."},
		{`{"$or":[{"a":["b"]}]}`, "There must have at least 2 Objects in $or relationship."},
		{`{"$or":[]}`, "There must have at least 2 Objects in $or relationship."},
		{`{"$or":[{"a":["b"]},"x"]}`, "Only JSON object is allowed in array of $or relationship."},
		{`{"$or":[{"a":["b"]},{}]}`, "Empty objects are not allowed"},
		{`{"$or":[{"prefix":["b"]},{"c":["d"]}]}`, "prefix is Ruler reserved fieldName which cannot be used inside $or."},
		{`{"$or":[{"x":{"numeric":["b"]}},{"c":["d"]}]}`, "numeric is Ruler reserved fieldName which cannot be used inside $or."},
		{tooManyOrs(), "Rule is too complex - its $or operators combine into more than 1000 alternatives"},
		// Malformed JSON, in Jackson's words.
		{`{"a":["b"]`, `Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)"{"a":["b"]"; line: 1, column: 1])`},
		{`{"a":["b"}`, `Unexpected close marker '}': expected ']' (for Array starting at [Source: (String)"{"a":["b"}"; line: 1, column: 6])`},
		{`{a:["b"]}`, "Unexpected character ('a' (code 97)): was expecting double-quote to start field name"},
		{`{\"a\":["b"]}`, "Unexpected character ('\\' (code 92)): was expecting double-quote to start field name"},
		{`{"a" ["b"]}`, "Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value"},
		{`{"a":["b"] "c":["d"]}`, "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries"},
		{`{"a":["b" "c"]}`, "Unexpected character ('\"' (code 34)): was expecting comma to separate Array entries"},
		{`{"a":["b",]}`, "Unexpected character (']' (code 93)): " + expectedValue},
		{`{"a":["b"],}`, "Unexpected character ('}' (code 125)): was expecting double-quote to start field name"},
		{`{"a":[tru]}`, "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`{"a":[01]}`, "Invalid numeric value: Leading zeroes not allowed"},
		{`{"a":[1.]}`, "Unexpected character (']' (code 93)) in numeric value: Decimal point not followed by a digit"},
		{`{"a":[1e]}`, "Unexpected character (']' (code 93)) in numeric value: Exponent indicator not followed by a digit"},
		{`{"a":[-x]}`, "Unexpected character ('x' (code 120)) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value"},
		{`{"a":["\x"]}`, "Unrecognized character escape 'x' (code 120)"},
		{`{"a":["\u00zz"]}`, "Unexpected character ('z' (code 122)): expected a hex-digit for character escape sequence"},
		{"{\"a\":[\"\n\"]}", "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value"},
		{`{"a":["b`, "Unexpected end-of-input: was expecting closing quote for a string value"},
		{`{"a":`, "Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)\"{\"a\":\"; line: 1, column: 1])"},
	}
	for _, tc := range cases {
		t.Run(tc.pattern, func(t *testing.T) {
			p, err := Compile(tc.pattern)
			if err == nil {
				t.Fatalf("Compile(%s) = %v, want an error", tc.pattern, p)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if pe.Reason != tc.reason {
				t.Errorf("reason = %q\nwant     %q", pe.Reason, tc.reason)
			}
			if !strings.HasPrefix(err.Error(), "Event pattern is not valid. Reason: "+tc.reason) {
				t.Errorf("message = %q", err.Error())
			}
		})
	}
}

// tooManyOrs is a pattern whose $or operators multiply into 6^4 branches.
func tooManyOrs() string {
	var groups []string
	for g := range 4 {
		var alts []string
		for a := range 6 {
			alts = append(alts, fmt.Sprintf(`{"f%d":["%d"]}`, g, a))
		}
		groups = append(groups, fmt.Sprintf(`"g%d":{"$or":[%s]}`, g, strings.Join(alts, ",")))
	}
	return "{" + strings.Join(groups, ",") + "}"
}

// Messages AWS returned, as quoted in public bug reports, locations
// included.
func TestCompileErrorMessages(t *testing.T) {
	cases := []struct {
		name, pattern, want string
	}{
		{
			name:    "empty nested object",
			pattern: `{"source": ["aws.health"], "detail": {}}`,
			want: "Event pattern is not valid. Reason: Empty objects are not allowed\n" +
				` at [Source: (String)"{"source": ["aws.health"], "detail": {}}"; line: 1, column: 40]`,
		},
		{
			name:    "empty array",
			pattern: `{"source": []}`,
			want: "Event pattern is not valid. Reason: Empty arrays are not allowed\n" +
				` at [Source: (String)"{"source": []}"; line: 1, column: 14]`,
		},
		{
			// A string value is reported just past its opening quote.
			name:    "value not in an array",
			pattern: "{\n  \"detail-type\": [ \"Build Started\", \"Build Finished\" ],\n  \"detail\": {\n    \"pipeline\": {\n      \"slug\": \"some-pipeline\"\n    }\n  }\n}",
			want: "Event pattern is not valid. Reason: \"slug\" must be an object or an array\n" +
				" at [Source: (String)\"{\n  \"detail-type\": [ \"Build Started\", \"Build Finished\" ],\n  \"detail\": {\n    \"pipeline\": {\n      \"slug\": \"some-pipeline\"\n    }\n  }\n}\"; line: 5, column: 16]",
		},
		{
			name:    "no location for a bad CIDR",
			pattern: `{"ip":[{"cidr":"10.0.0.0"}]}`,
			want:    "Event pattern is not valid. Reason: Malformed CIDR, one '/' required",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.pattern)
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tc.want {
				t.Errorf("got  %q\nwant %q", err.Error(), tc.want)
			}
		})
	}
}

func TestCompileErrorLongSource(t *testing.T) {
	pattern := `{"source":["` + strings.Repeat("x", 600) + `"],"detail":{}}`
	_, err := Compile(pattern)
	if err == nil {
		t.Fatal("no error")
	}
	want := fmt.Sprintf(`[Source: (String)"%s"[truncated %d chars]; line: 1, column: %d]`,
		pattern[:500], len(pattern)-500, len(pattern))
	if !strings.HasSuffix(err.Error(), want) {
		t.Errorf("got %q\nwant suffix %q", err.Error(), want)
	}
}

func TestCompileValid(t *testing.T) {
	for _, pattern := range []string{
		`{"source":["aws.ec2"]}`,
		`{"a":["b"]} trailing text is ignored, as EventBridge ignores it`,
		`{"a":[1,-1.5,2e3,true,false,null,"s"]}`,
		`{"a":[123456789012]}`, // an account id: beyond the numeric range, still an exact value
		`{"a":[{"numeric":["=",-5e9]}]}`,
		`{"a":[{"numeric":[">=",-5000000000,"<=",5000000000]}]}`,
		`{"a":[{"numeric":["=",0.000001]}]}`,
		`{"a":[{"anything-but":{"prefix":[]}}]}`,
		`{"a":[{"cidr":"10.0.0.0/31"}]}`,
		`{"a":[{"wildcard":"\\*\\\\*"}]}`,
	} {
		if _, err := Compile(pattern); err != nil {
			t.Errorf("Compile(%s): %v", pattern, err)
		}
	}
}

func TestCompileBranches(t *testing.T) {
	p, err := Compile(`{"a":{"$or":[{"b":["1"]},{"c":["2"]}]},"$or":[{"d":["3"]},{"e":["4"]},{"f":["5"]}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.branches) != 6 {
		t.Errorf("%d branches, want 2×3", len(p.branches))
	}
}

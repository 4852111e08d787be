package eventpattern

import "testing"

func TestParseNumber(t *testing.T) {
	cases := []struct {
		text    string
		micro   int64
		inRange bool
		exact   bool
	}{
		{"0", 0, true, true},
		{"-0", 0, true, true},
		{"0.0e10", 0, true, true},
		{"1", 1_000_000, true, true},
		{"-1", -1_000_000, true, true},
		{"1e2", 100_000_000, true, true},
		{"1E+2", 100_000_000, true, true},
		{"100.000", 100_000_000, true, true},
		{"3.018e2", 301_800_000, true, true},
		{"0.3", 300_000, true, true},
		{"0.000001", 1, true, true},
		{"1e-6", 1, true, true},
		{"0.0000005", 1, true, false},  // rounds half up
		{"0.0000004", 0, true, false},  // rounds down
		{"0.00000005", 0, true, false}, // far below a micro
		{"-0.0000005", -1, true, false},
		{"1.23456789", 1_234_568, true, false},
		{"5000000000", maxMicro, true, true},
		{"-5e9", -maxMicro, true, true},
		{"5000000000.000001", 0, false, true},
		{"123456789012", 0, false, true},
		{"1e400", 0, false, true},
		{"1e-400", 0, true, false},
		{"00012", 12_000_000, true, true},
	}
	for _, tc := range cases {
		n := parseNumber(tc.text)
		if n.inRange != tc.inRange || n.exact != tc.exact || (tc.inRange && n.micro != tc.micro) {
			t.Errorf("parseNumber(%q) = %+v, want micro %d inRange %v exact %v", tc.text, n, tc.micro, tc.inRange, tc.exact)
		}
	}
}

func TestSameNumber(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"100", "1e2", true},
		{"100", "100.0", true},
		{"0.1", "1e-1", true},
		{"0.3", "0.30000000000000004", true}, // six decimals
		{"123456789012", "123456789012", true},
		{"123456789012", "1.23456789012e11", true},
		{"123456789012", "123456789013", false},
		{"5000000001", "5000000000", false},
		{"-7", "7", false},
		{"0", "-0", true},
	}
	for _, tc := range cases {
		if got := sameNumber(tc.a, tc.b); got != tc.want {
			t.Errorf("sameNumber(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestWildcardParse(t *testing.T) {
	cases := []struct {
		in     string
		parts  []string
		reason string
	}{
		{"abc", []string{"abc"}, ""},
		{"*", []string{"", ""}, ""},
		{"a*b*c", []string{"a", "b", "c"}, ""},
		{`a\*b`, []string{"a*b"}, ""},
		{`a\\*`, []string{`a\`, ""}, ""},
		{"**", nil, "Consecutive wildcard characters at pos 1"},
		{`\a`, nil, "Invalid escape character at pos 1"},
		{`\`, nil, "Invalid escape character at pos 1"},
	}
	for _, tc := range cases {
		w, reason := parseWildcard(tc.in)
		if reason != tc.reason {
			t.Errorf("parseWildcard(%q) reason %q, want %q", tc.in, reason, tc.reason)
			continue
		}
		if reason == "" && !equalStrings(w.parts, tc.parts) {
			t.Errorf("parseWildcard(%q) = %q, want %q", tc.in, w.parts, tc.parts)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

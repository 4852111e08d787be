package ec2

import "testing"

func TestWildcardMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"10.*", "10.0.0.0/16", true},
		{"*b", "us-east-1b", true},
		{"*b", "us-east-1c", false},
		{"us-east-1?", "us-east-1a", true},
		{"us-east-1?", "us-east-1", false},
		{"web", "web", true},
		{"web", "web2", false},
		{"*", "", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"[x]", "[x]", true},
	} {
		if got := wildcardMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

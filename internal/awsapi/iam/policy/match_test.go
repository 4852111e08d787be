package policy

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, value string
		want, fold     bool
	}{
		{"*", "", true, true},
		{"*", "anything", true, true},
		{"", "", true, true},
		{"", "x", false, false},
		{"ecs:*", "ecs:RunTask", true, true},
		{"ecs:*", "ec2:RunInstances", false, false},
		{"ecs:Describe*", "ecs:DescribeTasks", true, true},
		{"ecs:describe*", "ecs:DescribeTasks", false, true},
		{"ecs:List?lusters", "ecs:ListClusters", true, true},
		{"ecs:List?lusters", "ecs:Listclusters", true, true},
		{"ecs:List?Clusters", "ecs:ListClusters", false, false},
		{"arn:aws:ecs:*:123456789012:cluster/*", "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", true, true},
		{"arn:aws:ecs:*:123456789012:cluster/*", "arn:aws:ecs:eu-west-1:999999999999:cluster/prod", false, false},
		{"a*b*c", "aXXbYYc", true, true},
		{"a*b*c", "aXXbYY", false, false},
		{"*a", "bbba", true, true},
		{"a**", "a", true, true},
		{"?", "é", true, true},
		{"É*", "éa", false, true},
	} {
		if got := Match(tc.pattern, tc.value); got != tc.want {
			t.Errorf("Match(%q, %q) = %v", tc.pattern, tc.value, got)
		}
		if got := MatchFold(tc.pattern, tc.value); got != tc.fold {
			t.Errorf("MatchFold(%q, %q) = %v", tc.pattern, tc.value, got)
		}
	}
}

// A backtracking matcher would take exponential time here; this one is
// quadratic at worst, so the test finishes at once.
func TestMatchHostilePattern(t *testing.T) {
	pattern := strings.Repeat("a*", 200) + "b"
	if Match(pattern, strings.Repeat("a", 5000)) {
		t.Fatal("matched")
	}
}

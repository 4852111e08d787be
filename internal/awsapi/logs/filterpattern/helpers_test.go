package filterpattern

import (
	"fmt"
	"testing"
)

// matchCase is one row of a match table: whether message matches pattern.
type matchCase struct {
	pattern, message string
	want             bool
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d %s", i, c.pattern), func(t *testing.T) {
			p, err := Compile(c.pattern)
			if err != nil {
				t.Fatalf("Compile(%q): %v", c.pattern, err)
			}
			if got := p.Match(c.message); got != c.want {
				t.Errorf("Compile(%q).Match(%q) = %v, want %v", c.pattern, c.message, got, c.want)
			}
		})
	}
}

// rows expands one pattern over messages that match and messages that do not.
func rows(pattern string, matching []string, notMatching ...string) []matchCase {
	var cs []matchCase
	for _, m := range matching {
		cs = append(cs, matchCase{pattern, m, true})
	}
	for _, m := range notMatching {
		cs = append(cs, matchCase{pattern, m, false})
	}
	return cs
}

func yes(msgs ...string) []string { return msgs }

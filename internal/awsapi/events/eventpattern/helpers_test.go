package eventpattern

import (
	"encoding/json"
	"testing"
)

// matchCase is one pattern tried on one event.
type matchCase struct {
	name    string
	pattern string
	event   string
	want    bool
}

// runMatch checks a case through Match (numbers as json.Number) and
// through MatchValue on a float64 decoding, which must agree.
func runMatch(t *testing.T, tc matchCase) {
	t.Helper()
	p, err := Compile(tc.pattern)
	if err != nil {
		t.Fatalf("Compile(%s): %v", tc.pattern, err)
	}
	got, err := p.Match([]byte(tc.event))
	if err != nil {
		t.Fatalf("Match(%s): %v", tc.event, err)
	}
	if got != tc.want {
		t.Errorf("pattern %s\nevent   %s\nMatch = %v, want %v", tc.pattern, tc.event, got, tc.want)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(tc.event), &v); err != nil {
		t.Fatal(err)
	}
	if got := p.MatchValue(v); got != tc.want {
		t.Errorf("pattern %s\nevent   %s\nMatchValue(float64 numbers) = %v, want %v", tc.pattern, tc.event, got, tc.want)
	}
}

func runMatches(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runMatch(t, tc) })
	}
}

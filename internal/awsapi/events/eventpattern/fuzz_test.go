package eventpattern

import (
	"errors"
	"testing"
)

var fuzzEvents = []string{
	ec2Terminated,
	metricsEvent,
	`{"a":[{"b":[1,"x",null,true,{"c":[]}]},[],{}],"d":"10.0.0.1","e":-0.0000005}`,
}

// FuzzCompile checks that Compile never panics, that every failure is an
// *Error, and that a compiled pattern matches any event without panicking.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`{"source":["aws.ec2"]}`,
		`{"a":[{"numeric":[">",0,"<=",5]}],"b":[{"anything-but":{"wildcard":["*x","y\\*"]}}]}`,
		`{"$or":[{"a":[{"cidr":"10.0.0.0/8"}]},{"b":{"c":[{"exists":false}]}}]}`,
		`{"a":[{"prefix":{"equals-ignore-case":"É"}},{"suffix":"z"},{"equals-ignore-case":"q"}]}`,
		`{"a":["\ud83d\ude00",1e2,null]}`,
		`{"a":{"b":["x"]},"a":{"c":["y"]}}`,
		`{"a":[{"anything-but":[1,2]}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		p, err := Compile(pattern)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Compile(%q) error %T %v", pattern, err, err)
			}
			_ = pe.Error()
			return
		}
		for _, ev := range fuzzEvents {
			if _, err := p.Match([]byte(ev)); err != nil {
				t.Fatalf("Match: %v", err)
			}
		}
	})
}

// FuzzMatch checks that matching any event text never panics.
func FuzzMatch(f *testing.F) {
	patterns := []string{
		`{"a":{"b":[{"exists":false}],"c":["x",{"numeric":[">",1]}]}}`,
		`{"$or":[{"a":[{"wildcard":"*x*y"}]},{"a":[{"cidr":"::/0"}]}],"d":[{"anything-but":{"prefix":"q"}}]}`,
		`{"a":[{"anything-but":[1.5,2]},{"prefix":{"equals-ignore-case":"A"}},null,true,7]}`,
	}
	var compiled []*Pattern
	for _, s := range patterns {
		p, err := Compile(s)
		if err != nil {
			f.Fatal(err)
		}
		compiled = append(compiled, p)
	}
	for _, ev := range fuzzEvents {
		f.Add(ev)
	}
	f.Add(`{"a":[[[{"b":1,"c":"x"}]]],"d":"q"}`)
	f.Fuzz(func(t *testing.T, event string) {
		for _, p := range compiled {
			_, _ = p.Match([]byte(event))
		}
	})
}

package main

import (
	"fmt"
	"strings"
	"unicode"
)

// exportName turns a model name (shape or member) into an exported Go
// identifier: characters that cannot appear in one are dropped, the letter
// after a dropped run is upper-cased, the first letter is upper-cased and the
// rest kept as AWS spells it ("taskDefinitionArn" -> "TaskDefinitionArn").
// A leading digit gets an "X" prefix. Exported identifiers are never Go
// keywords, so no further escaping is needed.
func exportName(s string) string {
	var b strings.Builder
	upper := true
	for _, r := range s {
		if !isIdentRune(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if out == "" || unicode.IsDigit(rune(out[0])) {
		out = "X" + out
	}
	return out
}

func isIdentRune(r rune) bool {
	return r == '_' || r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// enumValueName turns an enum value into the PascalCase suffix of its
// constant: the value is split into words at every character that is not a
// letter or digit; an all-upper-case word is title-cased ("FARGATE_SPOT" ->
// "FargateSpot", "EC2" -> "Ec2"), any other word only has its first letter
// upper-cased ("awsvpc" -> "Awsvpc", "dualStackIPv6" -> "DualStackIPv6").
// It returns "" when the value has no letters or digits.
func enumValueName(v string) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(v, func(r rune) bool {
		return r >= unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if strings.ToUpper(word) == word {
			word = strings.ToLower(word)
		}
		b.WriteString(strings.ToUpper(word[:1]))
		b.WriteString(word[1:])
	}
	return b.String()
}

// namespace hands out package-level Go identifiers, each once. Collisions
// are resolved deterministically as long as names are claimed in a
// deterministic order.
type namespace struct {
	owner    map[string]string // identifier -> what claimed it
	warnings []string
}

func newNamespace() *namespace {
	return &namespace{owner: map[string]string{}}
}

// reserve claims fixed identifiers that must keep their exact spelling.
func (ns *namespace) reserve(names ...string) {
	for _, n := range names {
		ns.owner[n] = "awsgen"
	}
}

// claim returns the first free name among candidates, then candidates[0]
// with a suffix "_2", "_3", …; a warning is recorded whenever the first
// candidate was taken.
func (ns *namespace) claim(owner string, candidates ...string) string {
	for _, c := range candidates {
		if _, taken := ns.owner[c]; !taken {
			ns.owner[c] = owner
			if c != candidates[0] {
				ns.warn(owner, candidates[0], c)
			}
			return c
		}
	}
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s_%d", candidates[0], i)
		if _, taken := ns.owner[c]; !taken {
			ns.owner[c] = owner
			ns.warn(owner, candidates[0], c)
			return c
		}
	}
}

func (ns *namespace) warn(owner, want, got string) {
	ns.warnings = append(ns.warnings, fmt.Sprintf("%s: %s is taken by %s; using %s", owner, want, ns.owner[want], got))
}

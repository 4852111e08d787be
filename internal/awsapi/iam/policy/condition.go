package policy

import (
	"encoding/json"
	"strings"
)

// Condition is one test of a statement's Condition block: an operator, a
// condition key and the values to compare with.
type Condition struct {
	Operator string // as written, e.g. "StringLike" or "ArnEqualsIfExists"
	Key      string // as written, e.g. "aws:SourceAccount"; keys match case-insensitively
	Values   []string
}

// Context holds the condition keys of a request, by lower-cased key; use
// Set to add one.
type Context map[string][]string

// Set records key's values.
func (c Context) Set(key string, values ...string) { c[strings.ToLower(key)] = values }

// parseConditions reads a Condition block: operator → key → value or list
// of values; values may be strings, numbers or booleans.
func parseConditions(v any) ([]Condition, bool) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := []Condition{}
	for op, raw := range block {
		keys, ok := raw.(map[string]any)
		if !ok {
			return nil, false
		}
		for key, rawValues := range keys {
			values, ok := scalarList(rawValues)
			if !ok {
				return nil, false
			}
			out = append(out, Condition{Operator: op, Key: key, Values: values})
		}
	}
	return out, true
}

func scalarList(v any) ([]string, bool) {
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := scalar(e)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	s, ok := scalar(v)
	return []string{s}, ok
}

func scalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// operator is how one condition operator compares.
type operator struct {
	negated bool
	match   func(policyValue, requestValue string) bool
}

var operators = map[string]operator{
	"stringequals":              {false, func(p, r string) bool { return p == r }},
	"stringnotequals":           {true, func(p, r string) bool { return p == r }},
	"stringequalsignorecase":    {false, strings.EqualFold},
	"stringnotequalsignorecase": {true, strings.EqualFold},
	"stringlike":                {false, func(p, r string) bool { return Match(p, r) }},
	"stringnotlike":             {true, func(p, r string) bool { return Match(p, r) }},
	"arnequals":                 {false, func(p, r string) bool { return Match(p, r) }},
	"arnlike":                   {false, func(p, r string) bool { return Match(p, r) }},
	"arnnotequals":              {true, func(p, r string) bool { return Match(p, r) }},
	"arnnotlike":                {true, func(p, r string) bool { return Match(p, r) }},
	"bool":                      {false, strings.EqualFold},
}

// Supported reports whether berth evaluates c's operator; a statement
// with an unsupported one never applies.
func (c Condition) Supported() bool {
	op := strings.ToLower(strings.TrimSuffix(c.Operator, "IfExists"))
	_, ok := operators[op]
	return ok || op == "null"
}

// holds evaluates c against ctx. A key missing from ctx fails a positive
// test and passes a negated one, as in IAM, unless the operator ends in
// IfExists (then it passes); with lenient, a missing key always passes.
func (c Condition) holds(ctx Context, lenient bool) bool {
	name := strings.ToLower(c.Operator)
	ifExists := strings.HasSuffix(name, "ifexists")
	name = strings.TrimSuffix(name, "ifexists")
	have, present := ctx[strings.ToLower(c.Key)]
	if name == "null" {
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") == present {
				return false
			}
		}
		return true
	}
	op := operators[name]
	if !present {
		return ifExists || lenient || op.negated
	}
	matched := false
	for _, r := range have {
		for _, p := range c.Values {
			if op.match(p, r) {
				matched = true
			}
		}
	}
	return matched != op.negated
}

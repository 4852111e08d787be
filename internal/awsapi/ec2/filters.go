package ec2

import (
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
)

// matchFilters applies EC2's Filter semantics: every filter must match
// (AND), any of a filter's values may (OR), values may use * and ? wildcards.
// fields gives a resource's values for a filter name, or false for a name
// the resource does not have (an InvalidParameterValue). tag:<key> filters
// are answered by fields with the name as given.
func matchFilters(filters []ec2types.Filter, fields func(name string) ([]string, bool)) (bool, error) {
	for _, f := range filters {
		if f.Name == "" {
			return false, missingParameter("Filter.Name")
		}
		have, ok := fields(f.Name)
		if !ok {
			return false, invalidValue("The filter '%s' is invalid", f.Name)
		}
		if !anyMatch(f.Values, have) {
			return false, nil
		}
	}
	return true, nil
}

func anyMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if wildcardMatch(p, v) {
				return true
			}
		}
	}
	return false
}

// wildcardMatch is EC2's filter matching: * is any run of characters
// (slashes and dots included: "10.*" matches "10.0.0.0/16"), ? any one
// character, everything else literal.
func wildcardMatch(pattern, s string) bool {
	p, v := []rune(pattern), []rune(s)
	star, mark := -1, 0
	i, j := 0, 0
	for j < len(v) {
		switch {
		case i < len(p) && (p[i] == '?' || p[i] == v[j]):
			i++
			j++
		case i < len(p) && p[i] == '*':
			star, mark = i, j
			i++
		case star >= 0:
			i, mark = star+1, mark+1
			j = mark
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}

// tagFields answers the tag filters every taggable resource has: tag:<key>,
// tag-key and tag-value.
func tagFields(tags []ec2types.Tag, name string) ([]string, bool) {
	switch {
	case strings.HasPrefix(name, "tag:"):
		var vals []string
		for _, t := range tags {
			if t.Key == name[4:] {
				vals = append(vals, t.Value)
			}
		}
		return vals, true
	case name == "tag-key":
		var keys []string
		for _, t := range tags {
			keys = append(keys, t.Key)
		}
		return keys, true
	case name == "tag-value":
		var vals []string
		for _, t := range tags {
			vals = append(vals, t.Value)
		}
		return vals, true
	}
	return nil, false
}

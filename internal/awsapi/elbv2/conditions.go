package elbv2

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// Rule condition fields.
const (
	fieldHostHeader    = "host-header"
	fieldPathPattern   = "path-pattern"
	fieldHTTPMethod    = "http-request-method"
	fieldSourceIP      = "source-ip"
	fieldHTTPHeader    = "http-header"
	fieldQueryString   = "query-string"
	maxConditionValues = 5 // per rule, all conditions together
	maxWildcards       = 5 // per rule
)

var allFields = []string{fieldHTTPHeader, fieldHTTPMethod, fieldHostHeader, fieldPathPattern, fieldQueryString, fieldSourceIP}

// checkConditions validates a rule's conditions (the list field names, as
// "conditions") with AWS's limits and returns them as stored: host-header
// and path-pattern conditions given as Values also carry their Config.
func checkConditions(conds []elbv2types.RuleCondition, field string) ([]elbv2types.RuleCondition, error) {
	var v violations
	if v.required(conds != nil, field) {
		for i, c := range conds {
			at := field + "." + strconv.Itoa(i+1) + ".member.field"
			if v.required(c.Field != "", at) {
				v.length(c.Field, at, 0, 64)
			}
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if len(conds) == 0 {
		return nil, validation("A rule must have at least one condition")
	}
	out := make([]elbv2types.RuleCondition, 0, len(conds))
	var seen []string
	values, wildcards := 0, 0
	for _, c := range conds {
		switch {
		case !slices.Contains(allFields, c.Field):
			return nil, validation("Condition field '%s' must be one of '[%s]'", c.Field, strings.Join(allFields, ", "))
		case c.Field == fieldHTTPHeader || c.Field == fieldQueryString:
			return nil, validation("berth does not support '%s' conditions yet; use host-header, path-pattern, http-request-method or source-ip", c.Field)
		case slices.Contains(seen, c.Field):
			return nil, validation("A rule can have only one '%s' condition", c.Field)
		case c.RegexValues != nil || c.HostHeaderConfig != nil && c.HostHeaderConfig.RegexValues != nil ||
			c.PathPatternConfig != nil && c.PathPatternConfig.RegexValues != nil:
			return nil, validation("berth does not support regular expression conditions yet; use Values with the wildcards * and ?")
		}
		seen = append(seen, c.Field)
		norm, vals, err := conditionValues(c)
		if err != nil {
			return nil, err
		}
		for _, val := range vals {
			if err := checkConditionValue(c.Field, val); err != nil {
				return nil, err
			}
			wildcards += strings.Count(val, "*") + strings.Count(val, "?")
		}
		values += len(vals)
		out = append(out, norm)
	}
	switch {
	case values > maxConditionValues:
		return nil, validation("A rule can have at most %d condition values; this one has %d", maxConditionValues, values)
	case wildcards > maxWildcards:
		return nil, validation("A rule can have at most %d wildcards in its condition values; this one has %d", maxWildcards, wildcards)
	}
	return out, nil
}

// conditionValues checks that a condition gives its values in the one
// way its field allows and returns the condition as stored and its
// values.
func conditionValues(c elbv2types.RuleCondition) (elbv2types.RuleCondition, []string, error) {
	configs := []struct {
		field string
		set   bool
	}{
		{fieldHostHeader, c.HostHeaderConfig != nil},
		{fieldPathPattern, c.PathPatternConfig != nil},
		{fieldHTTPMethod, c.HttpRequestMethodConfig != nil},
		{fieldSourceIP, c.SourceIpConfig != nil},
		{fieldHTTPHeader, c.HttpHeaderConfig != nil},
		{fieldQueryString, c.QueryStringConfig != nil},
	}
	hasConfig := false
	for _, cfg := range configs {
		switch {
		case cfg.set && cfg.field != c.Field:
			return c, nil, validation("A '%s' condition cannot have the settings of a '%s' condition", c.Field, cfg.field)
		case cfg.set:
			hasConfig = true
		}
	}
	out := elbv2types.RuleCondition{Field: c.Field}
	var vals []string
	switch c.Field {
	case fieldHostHeader, fieldPathPattern:
		var cfg []string
		if c.HostHeaderConfig != nil {
			cfg = c.HostHeaderConfig.Values
		}
		if c.PathPatternConfig != nil {
			cfg = c.PathPatternConfig.Values
		}
		if c.Values != nil && hasConfig {
			return c, nil, validation("A '%s' condition can have Values or its config, not both", c.Field)
		}
		vals = c.Values
		if vals == nil {
			vals = cfg
		} else {
			out.Values = slices.Clone(vals)
		}
		if c.Field == fieldHostHeader {
			out.HostHeaderConfig = &elbv2types.HostHeaderConditionConfig{Values: slices.Clone(vals)}
		} else {
			out.PathPatternConfig = &elbv2types.PathPatternConditionConfig{Values: slices.Clone(vals)}
		}
	case fieldHTTPMethod, fieldSourceIP:
		if c.Values != nil {
			return c, nil, validation("Values can be given only for host-header and path-pattern conditions; give a '%s' condition's values in its config", c.Field)
		}
		if c.HttpRequestMethodConfig != nil {
			vals = c.HttpRequestMethodConfig.Values
			out.HttpRequestMethodConfig = &elbv2types.HttpRequestMethodConditionConfig{Values: slices.Clone(vals)}
		}
		if c.SourceIpConfig != nil {
			vals = c.SourceIpConfig.Values
			out.SourceIpConfig = &elbv2types.SourceIpConditionConfig{Values: slices.Clone(vals)}
		}
	}
	if len(vals) == 0 {
		return c, nil, validation("A '%s' condition must have at least one value", c.Field)
	}
	return out, vals, nil
}

// checkConditionValue applies AWS's rules to one value of a condition.
func checkConditionValue(field, val string) error {
	switch field {
	case fieldPathPattern:
		if val == "" || len(val) > 128 || strings.IndexFunc(val, func(c rune) bool {
			return !isAlnum(c) && !strings.ContainsRune(`_-.$/~"'@:+&*?`, c)
		}) >= 0 {
			return validation(`The path pattern '%s' is not valid: use 1 to 128 characters among A-Z, a-z, 0-9, _ - . $ / ~ " ' @ : + & and the wildcards * and ?`, val)
		}
	case fieldHostHeader:
		if val == "" || len(val) > 128 || strings.IndexFunc(val, func(c rune) bool {
			return !isAlnum(c) && !strings.ContainsRune(`-.*?`, c)
		}) >= 0 {
			return validation("The host header '%s' is not valid: use 1 to 128 characters among A-Z, a-z, 0-9, - . and the wildcards * and ?", val)
		}
	case fieldHTTPMethod:
		if val == "" || len(val) > 40 || strings.IndexFunc(val, func(c rune) bool {
			return !(c >= 'A' && c <= 'Z') && c != '-' && c != '_'
		}) >= 0 {
			return validation("The HTTP request method '%s' is not valid: use 1 to 40 characters among A-Z, - and _", val)
		}
	case fieldSourceIP:
		if _, err := netip.ParsePrefix(val); err != nil {
			return validation("The source IP '%s' is not valid: use an IPv4 or IPv6 address in CIDR notation, such as 192.0.2.0/24", val)
		}
	}
	return nil
}

func isAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// conditionMatch is a stored condition's field and values, however they
// were given.
func conditionMatch(c elbv2types.RuleCondition) (string, []string) {
	switch {
	case c.HostHeaderConfig != nil:
		return c.Field, slices.Clone(c.HostHeaderConfig.Values)
	case c.PathPatternConfig != nil:
		return c.Field, slices.Clone(c.PathPatternConfig.Values)
	case c.HttpRequestMethodConfig != nil:
		return c.Field, slices.Clone(c.HttpRequestMethodConfig.Values)
	case c.SourceIpConfig != nil:
		return c.Field, slices.Clone(c.SourceIpConfig.Values)
	}
	return c.Field, slices.Clone(c.Values)
}

package eventpattern

import (
	"encoding/json"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// kind is one way a pattern value can match an event value.
type kind uint8

const (
	kindString      kind = iota + 1 // "x": that string
	kindIP                          // "10.0.0.1": that address, however spelled
	kindNumber                      // 5: that number (5.0 and 5e0 too)
	kindLiteral                     // true, false, null
	kindPrefix                      // {"prefix": "x"}
	kindPrefixFold                  // {"prefix": {"equals-ignore-case": "x"}}
	kindSuffix                      // {"suffix": "x"}
	kindSuffixFold                  // {"suffix": {"equals-ignore-case": "x"}}
	kindEqualsFold                  // {"equals-ignore-case": "x"}
	kindWildcard                    // {"wildcard": "x*y"}
	kindNumeric                     // {"numeric": [">", 0, "<=", 5]} and ["=", 5]
	kindCIDR                        // {"cidr": "10.0.0.0/24"}
	kindExists                      // {"exists": true|false}
	kindButStrings                  // {"anything-but": "x"} and ["x", "y"]
	kindButNumbers                  // {"anything-but": 5} and [5, 6]
	kindButPrefix                   // {"anything-but": {"prefix": …}}
	kindButSuffix                   // {"anything-but": {"suffix": …}}
	kindButFold                     // {"anything-but": {"equals-ignore-case": …}}
	kindButWildcard                 // {"anything-but": {"wildcard": …}}
)

// matcher is one element of a pattern's value array.
type matcher struct {
	kind   kind
	str    string     // the string, literal or number text
	strs   []string   // anything-but strings, prefixes, suffixes
	micros []int64    // anything-but numbers
	globs  []wildcard // wildcard, anything-but wildcards
	exists bool
	lo, hi int64 // numeric bounds in micros
	loOpen bool
	hiOpen bool
	ipLo   netip.Addr // CIDR bounds, and the address of kindIP
	ipHi   netip.Addr
}

// matches reports whether the matcher accepts one scalar event value (a
// string, number, bool or nil); exists is decided by the caller.
func (m *matcher) matches(v any) bool {
	switch m.kind {
	case kindString:
		s, ok := v.(string)
		return ok && s == m.str
	case kindIP:
		s, ok := v.(string)
		if !ok {
			return false
		}
		a, ok := parseIP(s)
		return ok && a == m.ipLo
	case kindNumber:
		t, ok := numberText(v)
		return ok && sameNumber(m.str, t)
	case kindLiteral:
		switch x := v.(type) {
		case nil:
			return m.str == "null"
		case bool:
			return strconv.FormatBool(x) == m.str
		}
		return false
	case kindPrefix:
		s, ok := v.(string)
		return ok && strings.HasPrefix(s, m.str)
	case kindPrefixFold:
		s, ok := v.(string)
		return ok && hasPrefixFold(s, m.str)
	case kindSuffix:
		s, ok := v.(string)
		return ok && strings.HasSuffix(s, m.str)
	case kindSuffixFold:
		s, ok := v.(string)
		return ok && hasSuffixFold(s, m.str)
	case kindEqualsFold:
		s, ok := v.(string)
		return ok && strings.EqualFold(s, m.str)
	case kindWildcard:
		s, ok := v.(string)
		return ok && m.globs[0].match(s)
	case kindNumeric:
		t, ok := numberText(v)
		if !ok {
			return false
		}
		n := parseNumber(t)
		return n.inRange && m.inNumericRange(n.micro)
	case kindCIDR:
		s, ok := v.(string)
		if !ok {
			return false
		}
		a, ok := parseIP(s)
		return ok && a.Is4() == m.ipLo.Is4() && a.Compare(m.ipLo) >= 0 && a.Compare(m.ipHi) <= 0
	case kindButStrings:
		s, ok := v.(string)
		return !ok || !slices.Contains(m.strs, s)
	case kindButNumbers:
		t, ok := numberText(v)
		if !ok {
			return true
		}
		n := parseNumber(t)
		return !n.inRange || !slices.Contains(m.micros, n.micro)
	case kindButPrefix:
		s, ok := v.(string)
		return !ok || !slices.ContainsFunc(m.strs, func(p string) bool { return strings.HasPrefix(s, p) })
	case kindButSuffix:
		s, ok := v.(string)
		return !ok || !slices.ContainsFunc(m.strs, func(p string) bool { return strings.HasSuffix(s, p) })
	case kindButFold:
		s, ok := v.(string)
		return !ok || !slices.ContainsFunc(m.strs, func(p string) bool { return strings.EqualFold(s, p) })
	case kindButWildcard:
		s, ok := v.(string)
		if !ok {
			return true
		}
		for i := range m.globs {
			if m.globs[i].match(s) {
				return false
			}
		}
		return true
	}
	return false
}

func (m *matcher) inNumericRange(x int64) bool {
	if x < m.lo || (m.loOpen && x == m.lo) {
		return false
	}
	return x < m.hi || (!m.hiOpen && x == m.hi)
}

// numberText is the JSON text of a number value: json.Number as decoded
// with UseNumber, float64 as decoded without it, or any Go integer or
// float a caller built the event from.
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return string(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	case int:
		return strconv.FormatInt(int64(x), 10), true
	case int8:
		return strconv.FormatInt(int64(x), 10), true
	case int16:
		return strconv.FormatInt(int64(x), 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint:
		return strconv.FormatUint(uint64(x), 10), true
	case uint8:
		return strconv.FormatUint(uint64(x), 10), true
	case uint16:
		return strconv.FormatUint(uint64(x), 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	}
	return "", false
}

// EventBridge treats a string as an IP address only when it looks like one
// (dotted quad, or hex digits and colons) and parses as one; an IPv4-mapped
// IPv6 address is the IPv4 address, as in Java.
var (
	ipv4Shape = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`)
	ipv6Shape = regexp.MustCompile(`^[0-9a-fA-F:]*:[0-9a-fA-F:]*$`)
)

func looksLikeIP(s string) bool { return ipv4Shape.MatchString(s) || ipv6Shape.MatchString(s) }

func parseIP(s string) (netip.Addr, bool) {
	if len(s) < 2 || len(s) > 45 || !looksLikeIP(s) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

package eventpattern

import (
	"net/netip"
	"strconv"
	"strings"
)

// Filter names (the keys of a filter object in a value array).
const (
	opPrefix      = "prefix"
	opSuffix      = "suffix"
	opEqualsFold  = "equals-ignore-case"
	opWildcard    = "wildcard"
	opNumeric     = "numeric"
	opAnythingBut = "anything-but"
	opExists      = "exists"
	opCIDR        = "cidr"
)

// Reasons EventBridge repeats from several places.
const (
	reasonOneKey      = "Only one key allowed in match expression"
	reasonTooMany     = "Too many elements in numeric expression"
	reasonButListType = "Inside anything but list, start|null|boolean is not supported."
)

// filter reads a filter object, from just after its opening brace
// through its closing one.
func (c *compiler) filter() (matcher, error) {
	tok, err := c.next()
	if err != nil {
		return matcher{}, err
	}
	if tok != tokFieldName {
		return matcher{}, c.barf("Match expression name not found")
	}
	switch name := c.lx.text; name {
	case opPrefix:
		return c.affix(kindPrefix, kindPrefixFold, opPrefix, "Prefix")
	case opSuffix:
		return c.affix(kindSuffix, kindSuffixFold, opSuffix, "Suffix")
	case opEqualsFold:
		s, err := c.stringOperand("equals-ignore-case match pattern must be a string")
		if err != nil {
			return matcher{}, err
		}
		return matcher{kind: kindEqualsFold, str: s}, c.end(reasonOneKey)
	case opWildcard:
		s, err := c.stringOperand("wildcard match pattern must be a string")
		if err != nil {
			return matcher{}, err
		}
		w, reason := parseWildcard(s)
		if reason != "" {
			return matcher{}, c.barf(reason)
		}
		return matcher{kind: kindWildcard, str: s, globs: []wildcard{w}}, c.end(reasonOneKey)
	case opNumeric:
		return c.numeric()
	case opAnythingBut:
		return c.anythingBut()
	case opExists:
		tok, err := c.next()
		if err != nil {
			return matcher{}, err
		}
		if tok != tokTrue && tok != tokFalse {
			return matcher{}, c.barf("exists match pattern must be either true or false.")
		}
		return matcher{kind: kindExists, exists: tok == tokTrue}, c.end(reasonOneKey)
	case opCIDR:
		// EventBridge's wording for a non-string CIDR really does say prefix.
		s, err := c.stringOperand("prefix match pattern must be a string")
		if err != nil {
			return matcher{}, err
		}
		m, reason := parseCIDR(s)
		if reason != "" {
			return matcher{}, &Error{Reason: reason}
		}
		return m, c.end(reasonOneKey)
	default:
		return matcher{}, c.barf("Unrecognized match type " + name)
	}
}

// end requires the closing brace of the current filter object.
func (c *compiler) end(reason string) error {
	tok, err := c.next()
	if err != nil {
		return err
	}
	if tok != tokEndObject {
		return c.barf(reason)
	}
	return nil
}

// stringOperand reads a filter's value, which must be a string.
func (c *compiler) stringOperand(reason string) (string, error) {
	tok, err := c.next()
	if err != nil {
		return "", err
	}
	if tok != tokString {
		return "", c.barf(reason)
	}
	return c.lx.str()
}

// affix reads a prefix or suffix filter: a string, or an object asking
// for the comparison to ignore case.
func (c *compiler) affix(plain, fold kind, op, title string) (matcher, error) {
	tok, err := c.next()
	if err != nil {
		return matcher{}, err
	}
	if tok == tokStartObject {
		tok, err := c.next()
		if err != nil {
			return matcher{}, err
		}
		if tok != tokFieldName {
			return matcher{}, c.barf(title + " expression name not found")
		}
		if c.lx.text != opEqualsFold {
			return matcher{}, c.barf("Unsupported " + op + " pattern: " + c.lx.text)
		}
		s, err := c.stringOperand("equals-ignore-case match pattern must be a string")
		if err != nil {
			return matcher{}, err
		}
		if err := c.end(reasonOneKey); err != nil {
			return matcher{}, err
		}
		return matcher{kind: fold, str: s}, c.end(reasonOneKey)
	}
	if tok != tokString {
		return matcher{}, c.barf(op + " match pattern must be a string")
	}
	s, err := c.lx.str()
	if err != nil {
		return matcher{}, err
	}
	return matcher{kind: plain, str: s}, c.end(reasonOneKey)
}

// numeric reads {"numeric": [op, n]} or {"numeric": [">"|">=", n, "<"|"<=", m]}.
func (c *compiler) numeric() (matcher, error) {
	tok, err := c.next()
	if err != nil {
		return matcher{}, err
	}
	if tok != tokStartArray {
		return matcher{}, c.barf("Value of numeric must be an array.")
	}
	m, err := c.numericRange()
	if err != nil {
		return matcher{}, err
	}
	return m, c.end(reasonTooMany)
}

// Implicit bounds of one-sided ranges, as number text.
const (
	lowestText  = "-5000000000"
	highestText = "5000000000"
)

func (c *compiler) numericRange() (matcher, error) {
	tok, err := c.next()
	if err != nil {
		return matcher{}, err
	}
	if tok != tokString {
		t, err := c.lx.tokenText()
		if err != nil {
			return matcher{}, err
		}
		return matcher{}, c.barf("Invalid member in numeric match: " + t)
	}
	op, err := c.lx.str()
	if err != nil {
		return matcher{}, err
	}
	if tok, err = c.next(); err != nil {
		return matcher{}, err
	}
	name := op
	if op == "=" {
		name = "equals"
	}
	switch op {
	case "=", ">", ">=", "<", "<=":
		if tok != tokNumber {
			return matcher{}, c.barf("Value of " + name + " must be numeric")
		}
	default:
		return matcher{}, c.barf("Unrecognized numeric range operator: " + op)
	}
	val := c.lx.text
	if tok, err = c.next(); err != nil {
		return matcher{}, err
	}
	switch op {
	case ">", ">=":
		if tok == tokEndArray {
			return c.bounds(val, op == ">", highestText, false, false)
		}
		return c.upperBound(tok, val, op == ">")
	}
	if tok != tokEndArray {
		return matcher{}, c.barf(reasonTooMany)
	}
	if op == "=" {
		return c.bounds(val, false, val, false, true)
	}
	return c.bounds(lowestText, false, val, op == "<", false)
}

// upperBound reads the second half of a two-sided range.
func (c *compiler) upperBound(tok tokKind, lo string, loOpen bool) (matcher, error) {
	if tok != tokString {
		t, err := c.lx.tokenText()
		if err != nil {
			return matcher{}, err
		}
		return matcher{}, c.barf("Bad value in numeric range: " + t)
	}
	op, err := c.lx.str()
	if err != nil {
		return matcher{}, err
	}
	if op != "<" && op != "<=" {
		return matcher{}, c.barf("Bad numeric range operator: " + op)
	}
	if tok, err = c.next(); err != nil {
		return matcher{}, err
	}
	if tok != tokNumber {
		return matcher{}, c.barf("Value of " + op + " must be numeric")
	}
	hi := c.lx.text
	if tok, err = c.next(); err != nil {
		return matcher{}, err
	}
	if tok != tokEndArray {
		return matcher{}, c.barf("Too many terms in numeric range expression")
	}
	return c.bounds(lo, loOpen, hi, op == "<", false)
}

// bounds builds a numeric matcher; equal is the "=" form, one value.
func (c *compiler) bounds(lo string, loOpen bool, hi string, hiOpen, equal bool) (matcher, error) {
	l, reason := operand(lo)
	if reason != "" {
		return matcher{}, c.barf(reason)
	}
	h, reason := operand(hi)
	if reason != "" {
		return matcher{}, c.barf(reason)
	}
	if !equal && l >= h {
		return matcher{}, c.barf("Bottom must be less than top")
	}
	return matcher{kind: kindNumeric, lo: l, loOpen: loOpen, hi: h, hiOpen: hiOpen}, nil
}

// anythingBut reads {"anything-but": v}, where v is a string, a number, a
// list of either, or an object naming how to compare: {"prefix": …},
// {"suffix": …}, {"equals-ignore-case": …} or {"wildcard": …}, each with a
// string or a list of strings.
func (c *compiler) anythingBut() (matcher, error) {
	tok, err := c.next()
	if err != nil {
		return matcher{}, err
	}
	variant := ""
	if tok == tokStartObject {
		if tok, err = c.next(); err != nil {
			return matcher{}, err
		}
		if tok != tokFieldName {
			return matcher{}, c.barf("Anything-But expression name not found")
		}
		variant = c.lx.text
		switch variant {
		case opEqualsFold, opPrefix, opSuffix, opWildcard:
		default:
			return matcher{}, c.barf("Unsupported anything-but pattern: " + variant)
		}
		if tok, err = c.next(); err != nil {
			return matcher{}, err
		}
	}
	if tok != tokStartArray && tok != tokString && tok != tokNumber {
		return matcher{}, c.barf("Value of anything-but must be an array or single string/number value.")
	}
	var m matcher
	switch {
	case variant == "" && tok == tokStartArray:
		m, err = c.butList()
	case variant == "" && tok == tokString:
		var s string
		s, err = c.lx.str()
		m = matcher{kind: kindButStrings, strs: []string{s}}
	case variant == "":
		x, reason := operand(c.lx.text)
		if reason != "" {
			return matcher{}, &Error{Reason: reason}
		}
		m = matcher{kind: kindButNumbers, micros: []int64{x}}
	default:
		m, err = c.butSet(tok, variant)
	}
	if err != nil {
		return matcher{}, err
	}
	if err := c.end(reasonTooMany); err != nil {
		return matcher{}, err
	}
	if variant != "" {
		return m, c.end(reasonTooMany)
	}
	return m, nil
}

// butList reads a list of strings or of numbers (not both) to exclude.
func (c *compiler) butList() (matcher, error) {
	var m matcher
	hasString, hasNumber := false, false
	for {
		tok, err := c.next()
		if err != nil {
			return matcher{}, err
		}
		if tok == tokEndArray {
			break
		}
		switch tok {
		case tokString:
			s, err := c.lx.str()
			if err != nil {
				return matcher{}, err
			}
			m.strs = append(m.strs, s)
			hasString = true
		case tokNumber:
			x, reason := operand(c.lx.text)
			if reason != "" {
				return matcher{}, c.barf(reason)
			}
			m.micros = append(m.micros, x)
			hasNumber = true
		default:
			return matcher{}, c.barf(reasonButListType)
		}
	}
	if hasString == hasNumber {
		return matcher{}, c.barf("Inside anything but list, either all values are number or string, mixed type is not supported")
	}
	m.kind = kindButStrings
	if hasNumber {
		m.kind = kindButNumbers
	}
	return m, nil
}

// butSet reads the string or list of strings of a prefix, suffix,
// equals-ignore-case or wildcard anything-but.
func (c *compiler) butSet(tok tokKind, variant string) (matcher, error) {
	typeReason := "prefix/suffix match pattern must be a string"
	switch variant {
	case opEqualsFold:
		typeReason = "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
	case opWildcard:
		typeReason = "wildcard match pattern must be a string"
	}
	var vals []string
	add := func() error {
		s, err := c.lx.str()
		if err != nil {
			return err
		}
		if s == "" && (variant == opPrefix || variant == opSuffix) {
			return c.barf("Null prefix/suffix not allowed")
		}
		vals = append(vals, s)
		return nil
	}
	if tok == tokStartArray {
		for {
			tok, err := c.next()
			if err != nil {
				return matcher{}, err
			}
			if tok == tokEndArray {
				break
			}
			if tok != tokString {
				return matcher{}, c.barf(typeReason)
			}
			if err := add(); err != nil {
				return matcher{}, err
			}
		}
	} else {
		if tok != tokString {
			return matcher{}, c.barf(typeReason)
		}
		if err := add(); err != nil {
			return matcher{}, err
		}
	}
	switch variant {
	case opPrefix:
		return matcher{kind: kindButPrefix, strs: vals}, nil
	case opSuffix:
		return matcher{kind: kindButSuffix, strs: vals}, nil
	case opEqualsFold:
		return matcher{kind: kindButFold, strs: vals}, nil
	}
	m := matcher{kind: kindButWildcard, strs: vals}
	for _, v := range vals {
		w, reason := parseWildcard(v)
		if reason != "" {
			return matcher{}, c.barf(reason)
		}
		m.globs = append(m.globs, w)
	}
	return m, nil
}

// parseCIDR reads a {"cidr": …} value. Like EventBridge, it takes the
// range from the address as written up to the end of its block (the
// address is not masked first) and refuses /32 for IPv4 and /128 for IPv6
// (match the address itself instead).
func parseCIDR(s string) (matcher, string) {
	addr, bitsText, ok := strings.Cut(s, "/")
	if !ok || strings.Contains(bitsText, "/") {
		return matcher{}, "Malformed CIDR, one '/' required"
	}
	bits, err := strconv.Atoi(bitsText)
	if err != nil {
		return matcher{}, "Malformed CIDR, mask bits must be an integer"
	}
	if bits < 0 {
		return matcher{}, "Malformed CIDR, mask bits must not be negative"
	}
	if !looksLikeIP(addr) {
		return matcher{}, "Nonstandard IP address: " + addr
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return matcher{}, "Invalid IP address: " + addr
	}
	a = a.Unmap()
	if a.Is4() && bits > 31 {
		return matcher{}, "IPv4 mask bits must be < 32"
	}
	if a.Is6() && bits > 127 {
		return matcher{}, "IPv6 mask bits must be < 128"
	}
	b := a.AsSlice()
	host := len(b)*8 - bits
	for i := len(b) - 1; i >= 0 && host > 0; i-- {
		n := min(host, 8)
		b[i] |= byte(1<<n - 1)
		host -= n
	}
	hi, _ := netip.AddrFromSlice(b)
	return matcher{kind: kindCIDR, str: s, ipLo: a, ipHi: hi}, ""
}

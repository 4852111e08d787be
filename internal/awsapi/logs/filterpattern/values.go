package filterpattern

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// op is a comparison operator of JSON and space-delimited conditions.
type op uint8

const (
	opEq op = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

func (o op) String() string {
	return [...]string{"=", "!=", "<", "<=", ">", ">="}[o]
}

// numeric reports whether o compares numbers only.
func (o op) numeric() bool { return o >= opLt }

// valueTest is the right-hand side of a condition with its operator: a
// number, a string with optional leading and trailing * wildcards, or a
// regular expression. It tests a value as text, the way a space-delimited
// field or a JSON string or number arrives.
type valueTest struct {
	op op
	// re is set for a %regex% value, searched anywhere in the value.
	re *regexp.Regexp
	// num is the value when the literal is a number (isNum).
	num   float64
	isNum bool
	// text is the literal without its wildcards; lead and trail say
	// whether it had a * at its start or end.
	text        string
	lead, trail bool
}

// match reports whether the condition holds for the value s.
//
// With = and != a numeric literal equals a value that is the same number
// (400 = "400.0" = "4e2"), or else the same text; a string literal matches
// the text, * at its ends matching any run of characters (AWS: "*Event"
// matches "PutEvent", "Ev*ent" only the text "Ev*ent"). <, <=, >, >= hold
// only for values that are numbers.
func (t *valueTest) match(s string) bool {
	if t.re != nil {
		return t.re.MatchString(s) == (t.op == opEq)
	}
	if t.op.numeric() {
		v, ok := parseNumber(s)
		if !ok {
			return false
		}
		switch t.op {
		case opLt:
			return v < t.num
		case opLe:
			return v <= t.num
		case opGt:
			return v > t.num
		default:
			return v >= t.num
		}
	}
	var eq bool
	if t.isNum {
		if v, ok := parseNumber(s); ok {
			eq = v == t.num
		} else {
			eq = s == t.text
		}
	} else {
		eq = t.glob(s)
	}
	return eq == (t.op == opEq)
}

// glob matches s against text with its wildcards.
func (t *valueTest) glob(s string) bool {
	switch {
	case t.lead && t.trail:
		return strings.Contains(s, t.text)
	case t.lead:
		return strings.HasSuffix(s, t.text)
	case t.trail:
		return strings.HasPrefix(s, t.text)
	default:
		return s == t.text
	}
}

// setText makes t a string test of lit, reading a leading and a trailing *
// as wildcards.
func (t *valueTest) setText(lit string) {
	if strings.HasPrefix(lit, "*") {
		t.lead, lit = true, lit[1:]
	}
	if strings.HasSuffix(lit, "*") {
		t.trail, lit = true, lit[:len(lit)-1]
	}
	t.text = lit
}

// newValueTest builds the test of operator o against the value token v.
func (p *parser) newValueTest(o op, opTok, v token) (*valueTest, error) {
	t := &valueTest{op: o}
	text := v.text(p.pattern)
	switch v.kind {
	case tRegex:
		if o.numeric() {
			return nil, syntaxError(p.pattern, v.pos, text,
				"a regular expression can only be compared with = or !=, not %s", o)
		}
		p.regexes++
		if p.regexes > maxRegexes {
			return nil, syntaxError(p.pattern, v.pos, text,
				"a JSON or space-delimited filter pattern can hold at most %d regular expressions", maxRegexes)
		}
		re, err := compileRegex(p.pattern, v.pos+1, v.end-1)
		if err != nil {
			return nil, err
		}
		t.re = re
	case tString:
		if o.numeric() {
			return nil, syntaxError(p.pattern, v.pos, text, "%s compares numbers, found the string %s", o, text)
		}
		t.setText(v.val)
	case tWord:
		if !isValueWord(text) {
			return nil, invalidTerm(p.pattern, v.pos, text,
				"values with characters other than letters, digits and '_-.*+' must be in double quotes")
		}
		if n, ok := parseNumber(text); ok {
			t.num, t.isNum, t.text = n, true, text
		} else if o.numeric() {
			return nil, syntaxError(p.pattern, v.pos, text, "%s compares numbers, found '%s'", o, text)
		} else {
			t.setText(text)
		}
	default:
		return nil, syntaxError(p.pattern, v.pos, text, "expected a value after '%s', found %s", opTok.text(p.pattern), p.describe(v))
	}
	return t, nil
}

// isValueWord reports whether w may stand unquoted as a value: letters,
// digits, '_', and the '-', '.', '*' and '+' of numbers, IP prefixes
// ("123.123.*") and wildcards ("*.html*") that AWS's own examples leave
// unquoted.
func isValueWord(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_-.*+", r) {
			return false
		}
	}
	return w != ""
}

// parseNumber reads s as a number the way AWS writes them: an optional
// sign, digits with an optional fraction (or a fraction alone), and an
// optional exponent: 400, -1.5, +1000, .5, 10e3, 1e+3, 10e-3. It accepts
// every JSON number and nothing strconv would read beyond that (no hex,
// underscores, Inf or NaN).
func parseNumber(s string) (float64, bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == exp {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeError(err) {
		return 0, false
	}
	return v, true // out of range reads as ±Inf or 0, still ordered correctly
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

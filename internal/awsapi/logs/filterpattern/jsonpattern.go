package filterpattern

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// jsonMatcher is a { … } pattern.
type jsonMatcher struct {
	e expr[*doc]
}

// match parses msg only when its first non-space byte opens an object, so
// that a JSON pattern over plain-text events costs a byte comparison.
func (m *jsonMatcher) match(msg string) bool {
	i := skipJSONSpace(msg, 0)
	if i == len(msg) || msg[i] != '{' {
		return false
	}
	d := getDoc(msg)
	if d == nil {
		return false
	}
	ok := m.e.eval(d)
	putDoc(d)
	return ok
}

// segKind is the kind of one step of a property selector.
type segKind uint8

const (
	segKey   segKind = iota // .name or ['name']
	segIndex                // [N]
	segAny                  // .* or [*]: any member or element
)

type segment struct {
	kind  segKind
	key   string
	index int
}

// condKind is what a JSON condition tests.
type condKind uint8

const (
	condCompare   condKind = iota // $.a op value
	condIsNull                    // $.a IS NULL
	condIsTrue                    // $.a IS TRUE
	condIsFalse                   // $.a IS FALSE
	condNotExists                 // $.a NOT EXISTS
)

// jsonCond is one condition on a property selector. A selector with a
// wildcard holds when the condition holds for any value it selects.
type jsonCond struct {
	segs []segment
	kind condKind
	test *valueTest // condCompare
}

func (c *jsonCond) eval(d *doc) bool {
	if c.kind == condNotExists {
		return !d.find(0, c.segs, func(int32) bool { return true })
	}
	return d.find(0, c.segs, func(n int32) bool { return c.holds(d, n) })
}

// holds tests one selected value. Comparisons look only at strings and
// numbers: a selector that lands on an object, an array, a boolean or null
// matches neither = nor != (AWS: "If a property selector points to an array
// or object, the filter pattern won't match").
func (c *jsonCond) holds(d *doc, n int32) bool {
	kind := d.nodes[n].kind
	switch c.kind {
	case condIsNull:
		return kind == jNull
	case condIsTrue:
		return kind == jTrue
	case condIsFalse:
		return kind == jFalse
	}
	if kind != jString && kind != jNumber {
		return false
	}
	return c.test.match(d.text(n))
}

// find walks segs from node n and reports whether fn holds for any node
// they select.
func (d *doc) find(n int32, segs []segment, fn func(int32) bool) bool {
	if len(segs) == 0 {
		return fn(n)
	}
	sg, kind := &segs[0], d.nodes[n].kind
	switch {
	case sg.kind == segKey && kind == jObject:
		for c := d.nodes[n].first; c >= 0; c = d.nodes[c].next {
			if d.keyIs(c, sg.key) && d.find(c, segs[1:], fn) {
				return true
			}
		}
	case sg.kind == segIndex && kind == jArray:
		k := 0
		for c := d.nodes[n].first; c >= 0; c = d.nodes[c].next {
			if k == sg.index {
				return d.find(c, segs[1:], fn)
			}
			k++
		}
	case sg.kind == segAny && (kind == jObject || kind == jArray):
		for c := d.nodes[n].first; c >= 0; c = d.nodes[c].next {
			if d.find(c, segs[1:], fn) {
				return true
			}
		}
	}
	return false
}

// compileJSON parses the conditions inside the braces, pattern[lo:hi].
func compileJSON(pattern string, lo, hi int) (*jsonMatcher, error) {
	toks, err := lex(pattern, lo, hi, modeJSON)
	if err != nil {
		return nil, err
	}
	p := &parser{pattern: pattern, toks: toks}
	if p.peek().kind == tEOF {
		return nil, syntaxError(pattern, lo-1, pattern[lo-1:hi+1],
			"the JSON filter pattern %s has no condition, as in { $.field = \"value\" }", pattern[lo-1:hi+1])
	}
	e, err := parseOr(p, p.jsonCondition)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.unexpected(t, "&&, || or '}'")
	}
	return &jsonMatcher{e: e}, nil
}

// jsonCondition reads one condition: a selector, then an operator and a
// value, IS NULL, IS TRUE, IS FALSE or NOT EXISTS. Keywords are read in any
// case.
func (p *parser) jsonCondition() (expr[*doc], error) {
	st := p.next()
	if st.kind != tSelector {
		if st.kind == tWord || st.kind == tString {
			return nil, syntaxError(p.pattern, st.pos, st.text(p.pattern),
				"expected a property selector starting with '$.', found %s", p.describe(st))
		}
		return nil, p.unexpected(st, "a property selector such as $.field")
	}
	segs, err := p.selector(st)
	if err != nil {
		return nil, err
	}
	c := &jsonCond{segs: segs}
	t := p.next()
	switch {
	case t.kind == tOp:
		v := p.next()
		if c.test, err = p.newValueTest(t.op, t, v); err != nil {
			return nil, err
		}
	case t.kind == tWord && strings.EqualFold(t.text(p.pattern), "IS"):
		v := p.next()
		switch w := strings.ToUpper(v.text(p.pattern)); {
		case v.kind == tWord && w == "NULL":
			c.kind = condIsNull
		case v.kind == tWord && w == "TRUE":
			c.kind = condIsTrue
		case v.kind == tWord && w == "FALSE":
			c.kind = condIsFalse
		case v.kind == tWord && w == "NOT":
			return nil, syntaxError(p.pattern, t.pos, "IS NOT", "IS NOT is not supported; use != or NOT EXISTS")
		default:
			return nil, p.unexpected(v, "NULL, TRUE or FALSE after IS")
		}
	case t.kind == tWord && strings.EqualFold(t.text(p.pattern), "NOT"):
		if v := p.next(); v.kind != tWord || !strings.EqualFold(v.text(p.pattern), "EXISTS") {
			return nil, p.unexpected(v, "EXISTS after NOT")
		}
		c.kind = condNotExists
	case t.kind == tWord && strings.EqualFold(t.text(p.pattern), "EXISTS"):
		return nil, syntaxError(p.pattern, t.pos, "EXISTS", "EXISTS is not supported; use NOT EXISTS, or = * for a field that has a value")
	default:
		return nil, p.unexpected(t, "an operator (= != < <= > >=), IS or NOT EXISTS after "+st.text(p.pattern))
	}
	return c, nil
}

// selector parses a property selector: "$" then steps ".name", ".*",
// "[N]", "[*]" or "['name']" (also after a dot: "$.['cluster.name']").
// Names are letters, digits, '-' and '_'; other keys take the bracket form.
func (p *parser) selector(t token) ([]segment, error) {
	s := t.text(p.pattern)
	bad := func(why string, args ...any) error {
		return syntaxError(p.pattern, t.pos, s, "the property selector %s "+why, append([]any{s}, args...)...)
	}
	var segs []segment
	wildcards := 0
	for i := 1; i < len(s); {
		switch s[i] {
		case '.':
			i++
			switch {
			case i == len(s):
				return nil, bad("ends with '.'")
			case s[i] == '*':
				segs = append(segs, segment{kind: segAny})
				i++
			case s[i] == '[':
			default:
				j := i
				for j < len(s) {
					r, size := utf8.DecodeRuneInString(s[j:])
					if r != '_' && r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
						break
					}
					j += size
				}
				if j == i {
					return nil, invalidTerm(p.pattern, t.pos, s,
						"a property name is letters, digits, '-' and '_'; write other keys as $.['key']")
				}
				segs = append(segs, segment{kind: segKey, key: s[i:j]})
				i = j
			}
		case '[':
			end := bracketEnd(s, i)
			inner := s[i+1 : end]
			switch {
			case inner == "*":
				segs = append(segs, segment{kind: segAny})
			case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
				segs = append(segs, segment{kind: segKey, key: unquoteKey(inner[1 : len(inner)-1])})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 || !allDigits(inner) {
					return nil, bad("has %s; write [N] for an array element, [*] for any, or ['key'] for a member", s[i:end+1])
				}
				segs = append(segs, segment{kind: segIndex, index: n})
			}
			i = end + 1
		default:
			return nil, invalidTerm(p.pattern, t.pos, s,
				"a property selector is $ followed by .name, [N], [*] or ['key'] steps")
		}
	}
	for _, sg := range segs {
		if sg.kind == segAny {
			wildcards++
		}
	}
	if len(segs) == 0 {
		return nil, bad("selects nothing; write $.field")
	}
	if wildcards > maxSelectorWildcards {
		return nil, bad("has %d wildcards; a selector can hold at most %d", wildcards, maxSelectorWildcards)
	}
	p.wildcards += wildcards
	if p.wildcards > maxPatternWildcards {
		return nil, bad("brings the pattern to %d wildcards; a pattern can hold at most %d", p.wildcards, maxPatternWildcards)
	}
	return segs, nil
}

// bracketEnd returns the index of the ']' closing the '[' at s[i]; the
// lexer has checked there is one.
func bracketEnd(s string, i int) int {
	var quote byte
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		switch {
		case quote != 0 && c == '\\':
			j++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote == 0 && c == ']':
			return j
		}
	}
	return len(s) - 1
}

// unquoteKey reads a bracketed key's content: a backslash takes the next
// character as it is.
func unquoteKey(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

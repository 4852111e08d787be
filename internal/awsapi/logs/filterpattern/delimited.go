package filterpattern

import (
	"strconv"
	"strings"
	"unicode"
)

// dfield is one field of a space-delimited pattern.
type dfield struct {
	ellipsis bool
	name     string       // "" for an unnamed field
	cond     expr[string] // nil: any value
}

// delimitedMatcher is a [ … ] pattern.
//
// The message splits at spaces; text in "[…]" or "\"…\"" is one field,
// without its brackets or quotes. Without an ellipsis the last field takes
// the rest of the message, so [w1=ERROR, w2] matches every line whose first
// word is ERROR (AWS: "include a blank w2 indicator after the w1 term"),
// and a message with fewer fields than the pattern does not match. An
// ellipsis stands for any number of fields, and with one the fields must
// account for the whole message.
type delimitedMatcher struct {
	fields      []dfield
	hasEllipsis bool
}

// cmpExpr is one comparison of a field's value.
type cmpExpr struct{ t *valueTest }

func (c cmpExpr) eval(v string) bool { return c.t.match(v) }

func (m *delimitedMatcher) match(msg string) bool {
	if m.hasEllipsis {
		var buf [64]string
		return matchFields(m.fields, splitFields(msg, buf[:0]))
	}
	pos := 0
	for i := range m.fields {
		pos = skipSpace(msg, pos, len(msg))
		if pos == len(msg) {
			return false
		}
		v, next := nextField(msg, pos)
		if i == len(m.fields)-1 && skipSpace(msg, next, len(msg)) < len(msg) {
			_, end := trimSpace(msg, pos, len(msg))
			v = msg[pos:end]
		}
		if !m.fields[i].holds(v) {
			return false
		}
		pos = next
	}
	return true
}

// matchFields matches fields against the message's field values. Each
// ellipsis takes any number of values and every other field exactly one, so
// this is wildcard matching: on a mismatch, the latest ellipsis takes one
// more value and the fields after it start again. That is linear in
// fields × values however many ellipses the pattern has.
func matchFields(fields []dfield, vals []string) bool {
	fi, vi := 0, 0
	star, starVal := -1, 0
	for vi < len(vals) {
		switch {
		case fi < len(fields) && fields[fi].ellipsis:
			star, starVal = fi, vi
			fi++
		case fi < len(fields) && fields[fi].holds(vals[vi]):
			fi, vi = fi+1, vi+1
		case star >= 0:
			starVal++
			fi, vi = star+1, starVal
		default:
			return false
		}
	}
	for fi < len(fields) && fields[fi].ellipsis {
		fi++
	}
	return fi == len(fields)
}

// holds reports whether the field's conditions hold for the value v.
func (f *dfield) holds(v string) bool { return f.cond == nil || f.cond.eval(v) }

// splitFields appends the values of msg's fields to dst.
func splitFields(msg string, dst []string) []string {
	for pos := skipSpace(msg, 0, len(msg)); pos < len(msg); pos = skipSpace(msg, pos, len(msg)) {
		var v string
		v, pos = nextField(msg, pos)
		dst = append(dst, v)
	}
	return dst
}

// nextField returns the value of the field that starts at msg[pos] and the
// index after it. A '[' or '"' with no closing ']' or '"' is an ordinary
// character.
func nextField(msg string, pos int) (string, int) {
	switch msg[pos] {
	case '[':
		if end := strings.IndexByte(msg[pos+1:], ']'); end >= 0 {
			return msg[pos+1 : pos+1+end], pos + end + 2
		}
	case '"':
		for j := pos + 1; j < len(msg); j++ {
			if msg[j] == '\\' {
				j++
			} else if msg[j] == '"' {
				return msg[pos+1 : j], j + 1
			}
		}
	}
	end := pos
	for end < len(msg) && !isSpace(msg[end]) {
		end++
	}
	return msg[pos:end], end
}

// compileDelimited parses the fields inside the brackets, pattern[lo:hi]:
// comma-separated, each "...", a name, a name with conditions
// ("status_code = 4* || status_code = 5*"), or empty for an unnamed field
// (AWS's own example ends "status_code=4*,]").
func compileDelimited(pattern string, lo, hi int) (*delimitedMatcher, error) {
	toks, err := lex(pattern, lo, hi, modeDelimited)
	if err != nil {
		return nil, err
	}
	p := &parser{pattern: pattern, toks: toks}
	if p.peek().kind == tEOF {
		return nil, syntaxError(pattern, lo-1, pattern[lo-1:hi+1],
			"the space-delimited filter pattern %s names no field, as in [ip, user, status_code = 404]", pattern[lo-1:hi+1])
	}
	m := &delimitedMatcher{}
	for {
		var f dfield
		t := p.peek()
		switch {
		case t.kind == tComma || t.kind == tEOF:
		case t.kind == tEllipsis:
			p.next()
			f.ellipsis, m.hasEllipsis = true, true
		case t.kind == tWord && (p.toks[p.i+1].kind == tComma || p.toks[p.i+1].kind == tEOF):
			p.next()
			if !isFieldName(t.text(pattern)) {
				return nil, invalidTerm(pattern, t.pos, t.text(pattern), "a field name is letters, digits and '_'")
			}
			f.name = t.text(pattern)
		default:
			f.cond, err = parseOr(p, func() (expr[string], error) { return p.fieldCondition(&f.name) })
			if err != nil {
				return nil, err
			}
		}
		m.fields = append(m.fields, f)
		t = p.next()
		if t.kind == tEOF {
			return m, nil
		}
		if t.kind != tComma {
			if f.ellipsis && t.kind == tOp {
				return nil, syntaxError(pattern, t.pos, t.text(pattern), "'...' stands for any fields and cannot have conditions")
			}
			return nil, p.unexpected(t, "',' or ']' after field "+fieldLabel(f, len(m.fields)))
		}
	}
}

// fieldCondition reads "name op value". The first condition of a field
// names it; later ones (after && or ||) must test the same field, as AWS
// refuses "status_code = 4* && bytes > 1000".
func (p *parser) fieldCondition(name *string) (expr[string], error) {
	t := p.next()
	if t.kind != tWord {
		return nil, p.unexpected(t, "a field name")
	}
	n := t.text(p.pattern)
	if !isFieldName(n) {
		return nil, invalidTerm(p.pattern, t.pos, n, "a field name is letters, digits and '_'")
	}
	if *name == "" {
		*name = n
	} else if n != *name {
		return nil, syntaxError(p.pattern, t.pos, n,
			"the conditions of field '%s' cannot test '%s'; give each field its own conditions, separated by ','", *name, n)
	}
	o := p.next()
	if o.kind != tOp {
		return nil, p.unexpected(o, "an operator (= != < <= > >=) after "+n)
	}
	test, err := p.newValueTest(o.op, o, p.next())
	if err != nil {
		return nil, err
	}
	return cmpExpr{test}, nil
}

func isFieldName(s string) bool {
	for _, r := range s {
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// fieldLabel names the n-th (1-based) field for an error message.
func fieldLabel(f dfield, n int) string {
	switch {
	case f.ellipsis:
		return "'...'"
	case f.name != "":
		return "'" + f.name + "'"
	}
	return "number " + strconv.Itoa(n)
}

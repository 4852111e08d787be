package eventpattern

import "slices"

// Pattern is a compiled event pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	src      string
	branches []*node // the pattern matches if any branch does ($or, expanded)
}

// String returns the pattern's source text.
func (p *Pattern) String() string { return p.src }

// MaxBranches bounds how many alternatives a pattern's $or operators may
// combine into (the product of their sizes). EventBridge documents no
// such limit; berth keeps one so that a 4 KiB pattern cannot ask for
// millions of comparisons per event.
const MaxBranches = 1000

// orKey is the field name that makes an object member an OR of its
// array's objects.
const orKey = "$or"

// reservedInOr are names EventBridge refuses as field names inside $or:
// its operators and the ones it keeps for later.
var reservedInOr = []string{
	"exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard",
	"numeric", "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case",
	"date-after", "date-on-or-after", "date-before", "date-on-or-before", "in-date-range",
	"ip-address-in-range", "ip-address-not-in-range",
}

// Compile parses and checks an event pattern: a JSON object whose leaves
// are arrays of values and filters (see the package documentation).
// Errors are *Error, worded as EventBridge words them.
func Compile(pattern string) (*Pattern, error) {
	c := &compiler{lx: newLexer(pattern), src: pattern}
	root, err := c.root()
	if err != nil {
		return nil, asError(pattern, err)
	}
	branches, err := expand(root)
	if err != nil {
		return nil, err
	}
	for _, b := range branches {
		b.markAbsence()
	}
	return &Pattern{src: pattern, branches: branches}, nil
}

// objPat is one JSON object of a pattern, as written.
type objPat struct {
	fields []*fieldPat
	ors    [][]*objPat // one entry per "$or": its alternatives
}

// fieldPat is a member of an objPat: a value array, a nested object, or
// (a name written twice) both.
type fieldPat struct {
	name string
	leaf []matcher
	obj  *objPat
}

func (o *objPat) field(name string) *fieldPat {
	for _, f := range o.fields {
		if f.name == name {
			return f
		}
	}
	f := &fieldPat{name: name}
	o.fields = append(o.fields, f)
	return f
}

// A name written twice in one object keeps the later value array, as
// EventBridge does, and merges nested objects (EventBridge flattens
// patterns into paths, so both objects' paths stay).
func (o *objPat) setLeaf(name string, ms []matcher) { o.field(name).leaf = ms }

func (o *objPat) setObject(name string, child *objPat) {
	f := o.field(name)
	if f.obj == nil {
		f.obj = child
		return
	}
	for _, cf := range child.fields {
		if cf.leaf != nil {
			f.obj.setLeaf(cf.name, cf.leaf)
		}
		if cf.obj != nil {
			f.obj.setObject(cf.name, cf.obj)
		}
	}
	f.obj.ors = append(f.obj.ors, child.ors...)
}

type compiler struct {
	lx  *lexer
	src string
}

// barf is a reason located where the parser stands, as EventBridge's
// compiler reports almost everything.
func (c *compiler) barf(reason string) error { return errAt(c.src, c.lx.pos, reason) }

func (c *compiler) next() (tokKind, error) { return c.lx.next() }

func (c *compiler) root() (*objPat, error) {
	tok, err := c.next()
	if err != nil {
		return nil, err
	}
	if tok != tokStartObject {
		return nil, c.barf("Filter is not an object")
	}
	return c.object(false)
}

// object reads an object's members up to its closing brace.
func (c *compiler) object(inOr bool) (*objPat, error) {
	o := &objPat{}
	empty := true
	for {
		tok, err := c.next()
		if err != nil {
			return nil, err
		}
		if tok == tokEndObject {
			break
		}
		empty = false
		name := c.lx.text
		if name == orKey {
			alts, err := c.or()
			if err != nil {
				return nil, err
			}
			o.ors = append(o.ors, alts)
			continue
		}
		if inOr && slices.Contains(reservedInOr, name) {
			return nil, c.barf(name + " is Ruler reserved fieldName which cannot be used inside " + orKey + ".")
		}
		tok, err = c.next()
		if err != nil {
			return nil, err
		}
		switch tok {
		case tokStartObject:
			child, err := c.object(inOr)
			if err != nil {
				return nil, err
			}
			o.setObject(name, child)
		case tokStartArray:
			ms, err := c.values()
			if err != nil {
				return nil, err
			}
			o.setLeaf(name, ms)
		default:
			return nil, c.barf(`"` + name + `" must be an object or an array`)
		}
	}
	if empty {
		return nil, c.barf("Empty objects are not allowed")
	}
	return o, nil
}

// or reads the array of a "$or" member.
func (c *compiler) or() ([]*objPat, error) {
	tok, err := c.next()
	if err != nil {
		return nil, err
	}
	if tok != tokStartArray {
		return nil, c.barf("It must be an Array followed with " + orKey + ".")
	}
	var alts []*objPat
	for {
		tok, err := c.next()
		if err != nil {
			return nil, err
		}
		if tok == tokEndArray {
			break
		}
		if tok != tokStartObject {
			return nil, c.barf("Only JSON object is allowed in array of " + orKey + " relationship.")
		}
		alt, err := c.object(true)
		if err != nil {
			return nil, err
		}
		alts = append(alts, alt)
	}
	if len(alts) < 2 {
		return nil, c.barf("There must have at least 2 Objects in " + orKey + " relationship.")
	}
	return alts, nil
}

// values reads a value array: exact values and filter objects, any of
// which may match.
func (c *compiler) values() ([]matcher, error) {
	var ms []matcher
	for {
		tok, err := c.next()
		if err != nil {
			return nil, err
		}
		switch tok {
		case tokEndArray:
			if len(ms) == 0 {
				return nil, c.barf("Empty arrays are not allowed")
			}
			return ms, nil
		case tokStartObject:
			m, err := c.filter()
			if err != nil {
				return nil, err
			}
			ms = append(ms, m)
		case tokString:
			s, err := c.lx.str()
			if err != nil {
				return nil, err
			}
			if a, ok := parseIP(s); ok {
				ms = append(ms, matcher{kind: kindIP, str: s, ipLo: a})
			} else {
				ms = append(ms, matcher{kind: kindString, str: s})
			}
		case tokNumber:
			ms = append(ms, matcher{kind: kindNumber, str: c.lx.text})
		case tokTrue, tokFalse, tokNull:
			ms = append(ms, matcher{kind: kindLiteral, str: c.lx.text})
		default:
			return nil, c.barf("Match value must be String, number, true, false, or null")
		}
	}
}

package eventpattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Match reports whether an event matches. The event is JSON text, the
// whole envelope (version, id, detail-type, source, account, time, region,
// resources, detail); numbers keep their exact text. The error, an
// *EventError, is only for an event that is not one JSON object.
func (p *Pattern) Match(event []byte) (bool, error) {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return false, &EventError{Reason: "the event is not valid JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return false, &EventError{Reason: "the event has text after its JSON object"}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return false, &EventError{Reason: fmt.Sprintf("the event is a JSON %s, not an object", jsonType(v))}
	}
	return p.MatchValue(obj), nil
}

// MatchValue is Match on an event already decoded by encoding/json, with
// or without UseNumber: objects are map[string]any, arrays []any, numbers
// json.Number or float64 (other Go integer and float types are taken as
// numbers too). A float64 spells a number as strconv does ('g', shortest),
// so integers past 2^53 are best decoded with UseNumber.
func (p *Pattern) MatchValue(event map[string]any) bool {
	var all []any
	for _, b := range p.branches {
		if b.absence && all == nil {
			all = []any{event}
		}
		if b.match(event, true, all) {
			return true
		}
	}
	return false
}

func jsonType(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "number"
}

// node is one object level of a pattern branch (a pattern with its $or
// operators resolved): value arrays that the values at this path must
// meet, and the object levels below it.
type node struct {
	leaves  [][]matcher // each array must match (one element of it suffices)
	edges   []edge
	absence bool // an exists:false lies in this subtree
}

type edge struct {
	name string
	n    *node
}

func (n *node) child(name string) *node {
	for _, e := range n.edges {
		if e.name == name {
			return e.n
		}
	}
	c := &node{}
	n.edges = append(n.edges, edge{name: name, n: c})
	return c
}

func (n *node) clone() *node {
	c := &node{leaves: append([][]matcher(nil), n.leaves...)}
	for _, e := range n.edges {
		c.edges = append(c.edges, edge{name: e.name, n: e.n.clone()})
	}
	return c
}

// merge adds src's conditions to n (both must then hold). src is not
// changed or shared.
func (n *node) merge(src *node) {
	n.leaves = append(n.leaves, src.leaves...)
	for _, e := range src.edges {
		n.child(e.name).merge(e.n)
	}
}

func (n *node) markAbsence() bool {
	for _, ms := range n.leaves {
		for _, m := range ms {
			if m.kind == kindExists && !m.exists {
				n.absence = true
			}
		}
	}
	for _, e := range n.edges {
		if e.n.markAbsence() {
			n.absence = true
		}
	}
	return n.absence
}

// expand resolves an object's $or operators into branches, any of which
// may match: each "$or" multiplies the branches by its alternatives.
func expand(o *objPat) ([]*node, error) {
	out := []*node{{}}
	var err error
	for _, f := range o.fields {
		if f.leaf != nil {
			for _, b := range out {
				c := b.child(f.name)
				c.leaves = append(c.leaves, f.leaf)
			}
		}
		if f.obj != nil {
			alts, err := expand(f.obj)
			if err != nil {
				return nil, err
			}
			if out, err = cross(out, alts, f.name); err != nil {
				return nil, err
			}
		}
	}
	for _, group := range o.ors {
		var alts []*node
		for _, g := range group {
			a, err := expand(g)
			if err != nil {
				return nil, err
			}
			if alts = append(alts, a...); len(alts) > MaxBranches {
				return nil, errTooComplex()
			}
		}
		if out, err = cross(out, alts, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// cross combines every branch with every alternative, merged at the
// branch's child name (or at its own level when name is "").
func cross(base, alts []*node, name string) ([]*node, error) {
	if len(base)*len(alts) > MaxBranches {
		return nil, errTooComplex()
	}
	at := func(b *node) *node {
		if name == "" {
			return b
		}
		return b.child(name)
	}
	if len(alts) == 1 {
		for _, b := range base {
			at(b).merge(alts[0])
		}
		return base, nil
	}
	out := make([]*node, 0, len(base)*len(alts))
	for _, b := range base {
		for _, a := range alts {
			c := b.clone()
			at(c).merge(a)
			out = append(out, c)
		}
	}
	return out, nil
}

func errTooComplex() error {
	return &Error{Reason: fmt.Sprintf("Rule is too complex - its %s operators combine into more than %d alternatives", orKey, MaxBranches)}
}

// match reports whether the event value at this node's path matches. cur
// is the value within the array elements chosen so far (has is false when
// the path is missing there); all holds every value at this path in the
// whole event, for exists:false, and is nil when no exists:false lies
// below.
//
// Array consistency: when the value at an object level is an array of
// objects, one element must meet all of that level's conditions; fields
// from different elements of one array never combine into a match, as in
// EventBridge. exists:false asks that the path be absent from the whole
// event, not just from the chosen element.
func (n *node) match(cur any, has bool, all []any) bool {
	for _, ms := range n.leaves {
		if !leafMatch(ms, cur, has, all) {
			return false
		}
	}
	if len(n.edges) == 0 {
		return true
	}
	var childAll [][]any
	if n.absence {
		childAll = make([][]any, len(n.edges))
		for i, e := range n.edges {
			childAll[i] = childValues(all, e.name)
		}
	}
	if has {
		tried, found := false, false
		eachObject(cur, func(obj map[string]any) bool {
			tried = true
			found = n.matchObject(obj, childAll)
			return !found
		})
		if tried {
			return found
		}
	}
	return n.matchObject(nil, childAll)
}

func (n *node) matchObject(obj map[string]any, childAll [][]any) bool {
	for i, e := range n.edges {
		v, ok := obj[e.name]
		var all []any
		if childAll != nil {
			all = childAll[i]
		}
		if !e.n.match(v, ok, all) {
			return false
		}
	}
	return true
}

// leafMatch reports whether one value array of the pattern is met.
func leafMatch(ms []matcher, cur any, has bool, all []any) bool {
	for i := range ms {
		m := &ms[i]
		if m.kind == kindExists {
			if m.exists && has && hasScalar(cur) {
				return true
			}
			if !m.exists && !anyHasScalar(all) {
				return true
			}
			continue
		}
		if has && anyScalarMatches(cur, m) {
			return true
		}
	}
	return false
}

// Only scalars (strings, numbers, booleans, null) are values of a path:
// arrays are looked through, and an object is a level of its own. So a
// path whose value is an object or an empty array does not exist as a
// leaf.

func anyScalarMatches(v any, m *matcher) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if anyScalarMatches(e, m) {
				return true
			}
		}
		return false
	case map[string]any:
		return false
	}
	return m.matches(v)
}

func hasScalar(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if hasScalar(e) {
				return true
			}
		}
		return false
	case map[string]any:
		return false
	}
	return true
}

func anyHasScalar(vs []any) bool {
	for _, v := range vs {
		if hasScalar(v) {
			return true
		}
	}
	return false
}

// eachObject calls f with each object in v (v itself, or the objects in
// it and its nested arrays) until f returns false.
func eachObject(v any, f func(map[string]any) bool) bool {
	switch x := v.(type) {
	case map[string]any:
		return f(x)
	case []any:
		for _, e := range x {
			if !eachObject(e, f) {
				return false
			}
		}
	}
	return true
}

// childValues collects the values of a field in every object of vs.
func childValues(vs []any, name string) []any {
	var out []any
	for _, v := range vs {
		eachObject(v, func(obj map[string]any) bool {
			if x, ok := obj[name]; ok {
				out = append(out, x)
			}
			return true
		})
	}
	return out
}

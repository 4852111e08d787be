package ec2query

import (
	"cmp"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/protocol/query"
)

// DecodeError reports a request parameter whose value does not parse as its
// member's type. It is query's, so one mapping to AWS's error codes serves
// both protocols; its message names the parameter and is fit to send.
type DecodeError = query.DecodeError

// maxDepth bounds the segments of a parameter name. No EC2 shape nests
// nearly this deep; the bound keeps a recursive shape from turning a long
// name into unbounded recursion.
const maxDepth = 64

// node is one segment of the parameter names: the parameter that ends here,
// if any, and the segments that continue from it.
type node struct {
	key   string // the full parameter name, when has
	value string
	has   bool
	kids  map[string]*node
}

func (n *node) child(seg string) *node {
	if n.kids == nil {
		n.kids = map[string]*node{}
	}
	c := n.kids[seg]
	if c == nil {
		c = &node{}
		n.kids[seg] = c
	}
	return c
}

// Decode fills the structure v points to from form values as botocore's
// EC2Serializer writes them (see the package comment). Action and Version
// are the envelope, not input, and are skipped. Parameters that name no
// member are ignored, as EC2 ignores them; a value that does not parse as
// its member's type is a *DecodeError, and v may then be partly filled.
// List elements are ordered by their index; gaps are closed up. Any other
// error is a programming error in v's type.
func Decode(values url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("ec2query: Decode needs a non-nil pointer to a structure")
	}
	ti, err := infoFor(rv.Type().Elem())
	if err != nil {
		return err
	}
	if ti.kind != kindStruct {
		return errors.New("ec2query: Decode needs a pointer to a structure, not " + rv.Type().String())
	}
	root := &node{}
	for k, vs := range values {
		if k == "Action" || k == "Version" || len(vs) == 0 || strings.Count(k, ".") >= maxDepth {
			continue
		}
		n := root
		for rest := k; ; {
			seg, after, more := strings.Cut(rest, ".")
			n = n.child(seg)
			if !more {
				break
			}
			rest = after
		}
		n.key, n.value, n.has = k, vs[0], true
	}
	return decodeStruct(ti, rv.Elem(), root)
}

func decodeValue(ti *typeInfo, f *field, v reflect.Value, n *node) error {
	switch ti.kind {
	case kindPtr:
		if v.IsNil() {
			if isScalar(ti.elem.kind) && !n.has {
				return nil // only Name.x=… for a scalar: nothing to set
			}
			v.Set(reflect.New(ti.elem.typ))
		}
		return decodeValue(ti.elem, f, v.Elem(), n)
	case kindStruct:
		return decodeStruct(ti, v, n)
	case kindList:
		return decodeList(ti, v, n)
	case kindMap:
		return decodeMap(ti, f, v, n)
	}
	if !n.has {
		return nil
	}
	if typ, err := setScalar(ti, v, n.value); err != nil {
		return &DecodeError{Param: n.key, Value: n.value, Type: typ, Err: err}
	}
	return nil
}

func decodeStruct(ti *typeInfo, v reflect.Value, n *node) error {
	if len(n.kids) == 0 {
		return nil
	}
	// Field order, not map order, so the first bad value reported is
	// always the same one.
	for i := range ti.fields {
		f := &ti.fields[i]
		c := n.kids[f.param]
		if c == nil {
			continue
		}
		if err := decodeValue(f.info, f, v.Field(f.index), c); err != nil {
			return err
		}
	}
	return nil
}

// item is one list element or map entry.
type item struct {
	n    int
	seg  string
	node *node
}

// indexed returns n's children whose names are positive integers, sorted
// by them. Other children name nothing and are dropped.
func indexed(n *node) []item {
	var items []item
	for seg, c := range n.kids {
		if i := parseIndex(seg); i > 0 {
			items = append(items, item{i, seg, c})
		}
	}
	// "1" and "01" are distinct segments with one index; the segment
	// breaks the tie so the order never depends on map iteration.
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(cmp.Compare(a.n, b.n), strings.Compare(a.seg, b.seg))
	})
	return items
}

func decodeList(ti *typeInfo, v reflect.Value, n *node) error {
	if n.has && n.value == "" && v.IsNil() {
		// "Name=" is how awsQuery sends an empty list; EC2 clients
		// send nothing, but accepting it costs nothing.
		v.Set(reflect.MakeSlice(ti.typ, 0, 0))
	}
	items := indexed(n)
	if isScalar(ti.elem.kind) {
		// Name.N.x names nothing in a list of scalars.
		items = slices.DeleteFunc(items, func(it item) bool { return !it.node.has })
	}
	if len(items) == 0 {
		return nil
	}
	list := reflect.MakeSlice(ti.typ, len(items), len(items))
	for i, it := range items {
		if err := decodeValue(ti.elem, &defaultField, list.Index(i), it.node); err != nil {
			return err
		}
	}
	v.Set(list)
	return nil
}

func decodeMap(ti *typeInfo, f *field, v reflect.Value, n *node) error {
	if n.has && n.value == "" && v.IsNil() {
		v.Set(reflect.MakeMap(ti.typ))
	}
	entries := n
	if !f.flattened {
		if entries = n.kids["entry"]; entries == nil {
			return nil
		}
	}
	for _, it := range indexed(entries) {
		k := it.node.kids[f.keyName]
		if k == nil || !k.has {
			continue // an entry without a key names nothing
		}
		key := reflect.New(ti.key.typ).Elem()
		key.SetString(k.value)
		val := reflect.New(ti.elem.typ).Elem()
		if vn := it.node.kids[f.valueName]; vn != nil {
			if err := decodeValue(ti.elem, &defaultField, val, vn); err != nil {
				return err
			}
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(ti.typ))
		}
		v.SetMapIndex(key, val)
	}
	return nil
}

// parseIndex parses a 1-based list or map index, returning 0 when s is not
// one.
func parseIndex(s string) int {
	if s == "" || len(s) > 9 {
		return 0
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

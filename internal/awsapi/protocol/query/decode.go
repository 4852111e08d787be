package query

import (
	"cmp"
	"errors"
	"iter"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// maxDepth bounds the segments of a parameter name. No AWS shape nests
// nearly this deep; the bound keeps a recursive shape (Self.Self.…) from
// turning a long name into unbounded recursion.
const maxDepth = 64

// deeper reports whether name has more than n dot-separated segments.
func deeper(name string, n int) bool {
	return strings.Count(name, ".") >= n
}

// param is one request parameter: its full dotted name and first value.
type param struct {
	key, value string
}

var paramPool = sync.Pool{New: func() any { return new([]param) }}

// maxPooledParams bounds the parameter slices kept for reuse.
const maxPooledParams = 1024

// dialect holds the rules on which awsQuery and EC2's query protocol differ.
type dialect struct {
	name      string // package name, for errors
	ec2Names  bool   // parameters named by field.param, not the wire name
	flatLists bool   // request lists are always Name.N
	escape    func(b []byte, s string) []byte
}

var (
	awsQuery = &dialect{name: "query", escape: appendEscaped}
	ec2Query = &dialect{name: "ec2query", ec2Names: true, flatLists: true, escape: appendEscapedQuot}
)

// member returns the field the parameter segment seg names, or nil.
func (d *dialect) member(ti *typeInfo, seg string) *field {
	if d.ec2Names {
		return ti.byParam[seg]
	}
	return ti.byName[seg]
}

// Decode fills the structure v points to from form values as awsQuery
// serialises them (see the package comment). Action and Version are the
// envelope, not input, and are skipped. Parameters that name no member are
// ignored, as AWS ignores them; a value that does not parse as its member's
// type is a *DecodeError, and v may then be partly filled. List elements
// are ordered by their index; gaps are closed up. Any other error is a
// programming error in v's type.
func Decode(values url.Values, v any) error { return awsQuery.decode(values, v) }

// DecodeEC2 is Decode for the EC2 query protocol, as botocore's
// EC2Serializer writes it: members are named by their queryName, else by
// their wire name with the first letter upper-cased, and lists are always
// flattened (Name.N).
func DecodeEC2(values url.Values, v any) error { return ec2Query.decode(values, v) }

func (d *dialect) decode(values url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New(d.name + ": Decode needs a non-nil pointer to a structure")
	}
	ti, err := infoFor(rv.Type().Elem())
	if err != nil {
		return err
	}
	if ti.kind != kindStruct {
		return errors.New(d.name + ": Decode needs a pointer to a structure, not " + rv.Type().String())
	}

	// Sorting puts every parameter under a given prefix next to each
	// other, so each level of the shape works on one contiguous run.
	pp := paramPool.Get().(*[]param)
	params := (*pp)[:0]
	for k, vs := range values {
		if k == "Action" || k == "Version" || len(vs) == 0 || deeper(k, maxDepth) {
			continue
		}
		params = append(params, param{k, vs[0]})
	}
	slices.SortFunc(params, func(a, b param) int { return strings.Compare(a.key, b.key) })

	err = d.decodeStruct(ti, rv.Elem(), params, 0)

	if cap(params) <= maxPooledParams {
		clear(params)
		*pp = params
		paramPool.Put(pp)
	}
	return err
}

// The decode functions below each receive a run of sorted parameters that
// share the prefix naming the value being decoded, the prefix's length end,
// and decode the value from them. The run's first parameter is the value's
// own (Name=v) when its key is exactly end long; the others continue with
// ".child" and their child segments start at end+1.

func (d *dialect) decodeValue(ti *typeInfo, f *field, v reflect.Value, run []param, end int) error {
	switch ti.kind {
	case kindPtr:
		if v.IsNil() {
			if isScalar(ti.elem.kind) && len(run[0].key) != end {
				return nil // only Name.x=… for a scalar: nothing to set
			}
			v.Set(reflect.New(ti.elem.typ))
		}
		return d.decodeValue(ti.elem, f, v.Elem(), run, end)
	case kindStruct:
		return d.decodeStruct(ti, v, run, end+1)
	case kindList:
		return d.decodeList(ti, f, v, run, end)
	case kindMap:
		return d.decodeMap(ti, f, v, run, end)
	}
	p := run[0]
	if len(p.key) != end {
		return nil
	}
	if typ, err := setScalar(ti, v, p.value); err != nil {
		return &DecodeError{Param: p.key, Value: p.value, Type: typ, Err: err}
	}
	return nil
}

func (d *dialect) decodeStruct(ti *typeInfo, v reflect.Value, run []param, off int) error {
	for seg, sub := range children(run, off) {
		f := d.member(ti, seg)
		if f == nil {
			continue
		}
		if err := d.decodeValue(f.info, f, v.Field(f.index), sub, off+len(seg)); err != nil {
			return err
		}
	}
	return nil
}

// item is one list element or map entry: its index and parameters.
type item struct {
	n   int
	run []param
	end int // length of the element's prefix, index included
}

// indexed collects the elements under run whose index segments start at
// off, sorted by index. Parameters whose index is not a positive integer
// name nothing and are dropped.
func indexed(run []param, off int) []item {
	var items []item
	for seg, sub := range children(run, off) {
		if n := parseIndex(seg); n > 0 {
			items = append(items, item{n: n, run: sub, end: off + len(seg)})
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(a.n, b.n) })
	return items
}

func (d *dialect) decodeList(ti *typeInfo, f *field, v reflect.Value, run []param, end int) error {
	if p := run[0]; len(p.key) == end && p.value == "" && v.IsNil() {
		// "Name=" is how an empty list is sent.
		v.Set(reflect.MakeSlice(ti.typ, 0, 0))
	}
	off := end + 1
	if !f.flattened && !d.flatLists {
		sub, ok := child(run, off, f.memberName)
		if !ok {
			return nil
		}
		run, off = sub, off+len(f.memberName)+1
	}
	items := indexed(run, off)
	if isScalar(ti.elem.kind) {
		// Name.member.N.x names nothing in a list of scalars.
		items = slices.DeleteFunc(items, func(it item) bool { return len(it.run[0].key) != it.end })
	}
	if len(items) == 0 {
		return nil
	}
	n := 1
	for i := 1; i < len(items); i++ {
		if items[i].n != items[i-1].n {
			n++
		}
	}
	list := reflect.MakeSlice(ti.typ, n, n)
	at := 0
	for i, it := range items {
		if i > 0 && it.n != items[i-1].n {
			at++
		}
		if err := d.decodeValue(ti.elem, &defaultField, list.Index(at), it.run, it.end); err != nil {
			return err
		}
	}
	v.Set(list)
	return nil
}

func (d *dialect) decodeMap(ti *typeInfo, f *field, v reflect.Value, run []param, end int) error {
	if p := run[0]; len(p.key) == end && p.value == "" && v.IsNil() {
		v.Set(reflect.MakeMap(ti.typ))
	}
	off := end + 1
	if !f.flattened {
		sub, ok := child(run, off, "entry")
		if !ok {
			return nil
		}
		run, off = sub, off+len("entry.")
	}
	for _, it := range indexed(run, off) {
		keyRun, ok := child(it.run, it.end+1, f.keyName)
		if !ok || len(keyRun[0].key) != it.end+1+len(f.keyName) {
			continue // an entry without a key names nothing
		}
		key := reflect.New(ti.key.typ).Elem()
		key.SetString(keyRun[0].value)
		val := reflect.New(ti.elem.typ).Elem()
		if valRun, ok := child(it.run, it.end+1, f.valueName); ok {
			if err := d.decodeValue(ti.elem, &defaultField, val, valRun, it.end+1+len(f.valueName)); err != nil {
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

// children yields each child segment under run (whose child segments start
// at off) with the contiguous run of parameters under it. The same segment
// can appear twice when an unrelated key sorts between Name and Name.x;
// every consumer tolerates that.
func children(run []param, off int) iter.Seq2[string, []param] {
	return func(yield func(string, []param) bool) {
		for i := 0; i < len(run); {
			k := run[i].key
			if len(k) < off {
				i++ // the parent's own parameter
				continue
			}
			seg := k[off:]
			if dot := strings.IndexByte(seg, '.'); dot >= 0 {
				seg = seg[:dot]
			}
			end := off + len(seg)
			j := i + 1
			for j < len(run) && len(run[j].key) > end && run[j].key[end] == '.' && run[j].key[off:end] == seg {
				j++
			}
			if !yield(seg, run[i:j]) {
				return
			}
			i = j
		}
	}
}

// child returns the run under the child segment name, preferring the one
// with children when the segment appears twice.
func child(run []param, off int, name string) ([]param, bool) {
	var found []param
	for seg, sub := range children(run, off) {
		if seg == name {
			if found == nil || len(sub) > 1 || len(sub[0].key) > off+len(name) {
				found = sub
			}
		}
	}
	return found, found != nil
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

func isScalar(k kind) bool {
	return k != kindPtr && k != kindStruct && k != kindList && k != kindMap
}

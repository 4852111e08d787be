package ec2query

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// kind is how a Go type travels on the wire.
type kind uint8

const (
	kindString kind = iota + 1
	kindBool
	kindInt
	kindUint
	kindFloat
	kindBlob   // []byte, base64
	kindTime   // time.Time
	kindText   // encoding.TextMarshaler / TextUnmarshaler (shape.Time)
	kindPtr    // pointer to elem
	kindStruct // structure
	kindList   // slice of elem
	kindMap    // map of string-like key to elem
)

// typeInfo describes one Go type. It is immutable once published in the
// cache and shared by every goroutine.
type typeInfo struct {
	kind kind
	typ  reflect.Type
	bits int       // kindInt, kindUint, kindFloat: size in bits
	elem *typeInfo // kindPtr, kindList, kindMap: pointee, element, value
	key  *typeInfo // kindMap: key (a string kind)

	// kindStruct: fields in declaration order.
	fields []field

	// kindText: which sides the type (or its pointer) implements.
	marshaler, unmarshaler bool
}

// field is one structure member.
type field struct {
	param    string // request parameter name
	elemName string // response element name
	index    int
	omitZero bool
	info     *typeInfo

	// Lists and maps, in responses.
	flattened bool
	itemName  string // list element name ("member" unless tagged)
	keyName   string // map entry key name ("key")
	valueName string // map entry value name ("value")
}

// defaultField describes a list element or map value nested directly in
// another list or map, where no struct tag can name anything.
var defaultField = field{itemName: "member", keyName: "key", valueName: "value"}

var (
	typeCache sync.Map // reflect.Type → *typeInfo

	timeType            = reflect.TypeFor[time.Time]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// infoFor returns the cached metadata for t, building it on first use. An
// error means t holds a type the protocol cannot carry: a programming error
// in the shapes, reported rather than panicking.
func infoFor(t reflect.Type) (*typeInfo, error) {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo), nil
	}
	seen := map[reflect.Type]*typeInfo{}
	ti, err := build(t, seen)
	if err != nil {
		return nil, err
	}
	// Publish every type built on the way; a racing builder's copy is
	// equivalent, so whichever lands first wins.
	for typ, info := range seen {
		typeCache.LoadOrStore(typ, info)
	}
	return ti, nil
}

// build builds t's typeInfo; seen breaks cycles in recursive shapes.
func build(t reflect.Type, seen map[reflect.Type]*typeInfo) (*typeInfo, error) {
	if ti, ok := seen[t]; ok {
		return ti, nil
	}
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo), nil
	}
	ti := &typeInfo{typ: t}
	seen[t] = ti
	if err := fill(ti, t, seen); err != nil {
		return nil, err
	}
	return ti, nil
}

func fill(ti *typeInfo, t reflect.Type, seen map[reflect.Type]*typeInfo) error {
	if t == timeType {
		ti.kind = kindTime
		return nil
	}
	if t.Kind() != reflect.Pointer {
		// The pointer's method set includes the value's, so this
		// catches either receiver.
		pt := reflect.PointerTo(t)
		ti.marshaler = pt.Implements(textMarshalerType)
		ti.unmarshaler = pt.Implements(textUnmarshalerType)
		if ti.marshaler || ti.unmarshaler {
			ti.kind = kindText
			return nil
		}
	}
	var err error
	switch t.Kind() {
	case reflect.String:
		ti.kind = kindString
	case reflect.Bool:
		ti.kind = kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		ti.kind, ti.bits = kindInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		ti.kind, ti.bits = kindUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		ti.kind, ti.bits = kindFloat, t.Bits()
	case reflect.Pointer:
		ti.kind = kindPtr
		ti.elem, err = build(t.Elem(), seen)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			ti.kind = kindBlob
			return nil
		}
		ti.kind = kindList
		ti.elem, err = build(t.Elem(), seen)
	case reflect.Map:
		ti.kind = kindMap
		if ti.key, err = build(t.Key(), seen); err != nil {
			return err
		}
		if ti.key.kind != kindString {
			return fmt.Errorf("ec2query: map key type %s is not a string", t.Key())
		}
		ti.elem, err = build(t.Elem(), seen)
	case reflect.Struct:
		ti.kind = kindStruct
		err = fillStruct(ti, t, seen)
	default:
		err = fmt.Errorf("ec2query: unsupported type %s", t)
	}
	return err
}

func fillStruct(ti *typeInfo, t reflect.Type, seen map[reflect.Type]*typeInfo) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, opts, comma := strings.Cut(sf.Tag.Get("json"), ",")
		switch wire := sf.Tag.Get("wireName"); {
		case wire != "":
			name = wire
		case name == "-" && !comma: // json:"-," names a field "-"
			continue
		case name == "":
			name = sf.Name
		}
		f := defaultField
		f.elemName = name
		f.param = sf.Tag.Get("queryName")
		if f.param == "" {
			f.param = upperFirst(name)
		}
		f.index = i
		f.omitZero = hasOption(opts, "omitzero") || hasOption(opts, "omitempty")
		f.flattened = sf.Tag.Get("flattened") == "true"
		if n := sf.Tag.Get("locationName"); n != "" {
			f.itemName = n
			if f.flattened {
				// botocore names a flattened list after its element.
				f.elemName = n
			}
		}
		if n := sf.Tag.Get("keyLocationName"); n != "" {
			f.keyName = n
		}
		if n := sf.Tag.Get("valueLocationName"); n != "" {
			f.valueName = n
		}
		var err error
		if f.info, err = build(sf.Type, seen); err != nil {
			return fmt.Errorf("%w (field %s.%s)", err, t.Name(), sf.Name)
		}
		ti.fields = append(ti.fields, f)
	}
	return nil
}

// upperFirst upper-cases the first letter of an ASCII name, as botocore's
// EC2Serializer does to a locationName (name[0].upper() + name[1:]).
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

func isScalar(k kind) bool {
	return k != kindPtr && k != kindStruct && k != kindList && k != kindMap
}

package query

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

	// kindStruct
	fields  []field
	byName  map[string]*field // awsQuery parameter (wire) name → field
	byParam map[string]*field // EC2 parameter name → field

	// kindText: whether the type (or its pointer) implements each side,
	// and whether it is a timestamp (embeds time.Time, as shape.Time does).
	marshaler, unmarshaler, timestamp bool
}

// field is one structure member.
type field struct {
	name     string // wire name; for flattened lists with a member name, that name
	param    string // EC2 request parameter: queryName, else wire name upper-cased
	index    int
	omitZero bool
	info     *typeInfo

	// Lists and maps.
	flattened  bool
	memberName string // list element name when not flattened ("member")
	keyName    string // map entry key name ("key")
	valueName  string // map entry value name ("value")

	// timeFormat is the member's timestampFormat trait for responses:
	// "unixTimestamp", "rfc822", or "" / "iso8601" for the default.
	timeFormat string
}

// defaultField is the shape of a list element or map value nested directly in
// another list or map, where no struct tag can name anything.
var defaultField = field{memberName: "member", keyName: "key", valueName: "value"}

var (
	typeCache sync.Map // reflect.Type → *typeInfo

	timeType            = reflect.TypeFor[time.Time]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// infoFor returns the cached metadata for t, building it on first use. An
// error means t holds a type the protocol cannot carry (a programming error
// in the shapes, reported rather than panicking).
func infoFor(t reflect.Type) (*typeInfo, error) {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo), nil
	}
	b := builder{seen: map[reflect.Type]*typeInfo{}}
	ti, err := b.build(t)
	if err != nil {
		return nil, err
	}
	// Publish every type built on the way; a racing builder's copy is
	// equivalent, so whichever lands first wins.
	for typ, info := range b.seen {
		typeCache.LoadOrStore(typ, info)
	}
	return ti, nil
}

// builder builds typeInfo trees; seen breaks cycles in recursive shapes.
type builder struct {
	seen map[reflect.Type]*typeInfo
}

func (b *builder) build(t reflect.Type) (*typeInfo, error) {
	if ti, ok := b.seen[t]; ok {
		return ti, nil
	}
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo), nil
	}
	ti := &typeInfo{typ: t}
	b.seen[t] = ti
	if err := b.fill(ti, t); err != nil {
		return nil, err
	}
	return ti, nil
}

func (b *builder) fill(ti *typeInfo, t reflect.Type) error {
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
			ti.timestamp = embedsTime(t)
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
		ti.elem, err = b.build(t.Elem())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			ti.kind = kindBlob
			return nil
		}
		ti.kind = kindList
		ti.elem, err = b.build(t.Elem())
	case reflect.Map:
		ti.kind = kindMap
		if ti.key, err = b.build(t.Key()); err != nil {
			return err
		}
		if ti.key.kind != kindString {
			return fmt.Errorf("query: map key type %s is not a string", t.Key())
		}
		ti.elem, err = b.build(t.Elem())
	case reflect.Struct:
		ti.kind = kindStruct
		err = b.fillStruct(ti, t)
	default:
		err = fmt.Errorf("query: unsupported type %s", t)
	}
	return err
}

func (b *builder) fillStruct(ti *typeInfo, t reflect.Type) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, opts, comma := strings.Cut(sf.Tag.Get("json"), ",")
		wire := sf.Tag.Get("wireName")
		switch {
		case wire != "":
			// The json key could not be the wire name (two members
			// share it in JSON); the generator records it here.
			name = wire
		case name == "-" && !comma: // json:"-," names a field "-"
			continue
		case name == "":
			name = sf.Name
		}
		f := defaultField
		f.name = name
		if f.param = sf.Tag.Get("queryName"); f.param == "" {
			f.param = upperFirst(name)
		}
		f.index = i
		f.omitZero = hasOption(opts, "omitzero") || hasOption(opts, "omitempty")
		f.flattened = sf.Tag.Get("flattened") == "true"
		if n := sf.Tag.Get("locationName"); n != "" {
			f.memberName = n
			if f.flattened {
				// botocore names a flattened list after its member.
				f.name = n
			}
		}
		if n := sf.Tag.Get("keyLocationName"); n != "" {
			f.keyName = n
		}
		if n := sf.Tag.Get("valueLocationName"); n != "" {
			f.valueName = n
		}
		f.timeFormat = sf.Tag.Get("timestampFormat")
		var err error
		if f.info, err = b.build(sf.Type); err != nil {
			return fmt.Errorf("%w (field %s.%s)", err, t.Name(), sf.Name)
		}
		ti.fields = append(ti.fields, f)
	}
	ti.byName = make(map[string]*field, len(ti.fields))
	ti.byParam = make(map[string]*field, len(ti.fields))
	for i := range ti.fields {
		ti.byName[ti.fields[i].name] = &ti.fields[i]
		ti.byParam[ti.fields[i].param] = &ti.fields[i]
	}
	return nil
}

// embedsTime reports whether t is a struct whose first field is an embedded
// time.Time, as shape.Time is.
func embedsTime(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || t.NumField() == 0 {
		return false
	}
	f := t.Field(0)
	return f.Anonymous && f.Type == timeType
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

package main

import (
	"fmt"
	"strconv"
	"strings"
)

// The Go type mapping. Fields and elements differ in two ways: a structure
// is a pointer as a field and a value as a list element or map value, and a
// boxed scalar is a pointer as a field and a plain value as an element.
//
//	shape               field                    element
//	structure           *T, omitzero             T
//	structure, document json.RawMessage          json.RawMessage
//	list                []Elem, omitzero         []Elem
//	map                 map[K]V, omitzero        map[K]V
//	string (enum too)   string, omitzero         string
//	integer             int32   | *int32 boxed   int32
//	long                int64   | *int64 boxed   int64
//	boolean             bool    | *bool boxed    bool
//	double, float       float64 | *float64 boxed float64
//	timestamp           *shape.Time, omitzero    shape.Time
//	blob                []byte, omitzero         []byte
//
// Boxed scalar fields carry omitzero; plain ones do not, so they are always
// encoded, as AWS encodes them. A scalar is boxed when the shape or the
// reference says "box": true, or when the member belongs to a union (all of
// a union's members are optional), or when -box names it: older models
// (CloudWatch Logs) mark no optional scalar as boxed, though AWS omits them
// when unset (a log group's retentionInDays).

const shapeAlias = "shape" // the package name of the shape runtime

// goType returns the Go type for a reference and whether a field of that
// type is tagged omitzero. elem selects the element form (list member, map
// key or value). imports collects the packages the type needs.
func (g *generator) goType(ref ShapeRef, elem, forceBox bool, imports map[string]bool) (typ string, omitzero bool, err error) {
	s := g.model.Shapes[ref.Shape]
	scalar := func(t string) (string, bool, error) {
		switch {
		case elem:
			return t, false, nil
		case forceBox || g.model.traits(ref).Box:
			return "*" + t, true, nil
		default:
			return t, false, nil
		}
	}
	switch s.Type {
	case "structure":
		if s.Document {
			imports["encoding/json"] = true
			return "json.RawMessage", true, nil
		}
		name := g.typeName[s.Name]
		if elem {
			return name, true, nil
		}
		return "*" + name, true, nil
	case "list":
		et, _, err := g.goType(s.Member, true, false, imports)
		if err != nil {
			return "", false, fmt.Errorf("%s member: %w", s.Name, err)
		}
		return "[]" + et, true, nil
	case "map":
		kt, _, err := g.goType(s.Key, true, false, imports)
		if err != nil {
			return "", false, fmt.Errorf("%s key: %w", s.Name, err)
		}
		vt, _, err := g.goType(s.Value, true, false, imports)
		if err != nil {
			return "", false, fmt.Errorf("%s value: %w", s.Name, err)
		}
		return "map[" + kt + "]" + vt, true, nil
	case "string":
		return "string", true, nil
	case "integer":
		return scalar("int32")
	case "long":
		return scalar("int64")
	case "boolean":
		return scalar("bool")
	case "double", "float":
		return scalar("float64")
	case "timestamp":
		imports[g.shapeImport] = true
		if elem {
			return shapeAlias + ".Time", true, nil
		}
		return "*" + shapeAlias + ".Time", true, nil
	case "blob":
		return "[]byte", true, nil
	}
	return "", false, fmt.Errorf("shape %s: unsupported type %q", s.Name, s.Type)
}

// structDef is one generated struct type.
type structDef struct {
	Name        string // Go type name
	Shape       *Shape
	Fields      []fieldDef
	Required    []string // wire names of required members, in model order
	RequiredVar string   // name of the <Type>Required variable; "" when none
}

// fieldDef is one struct field.
type fieldDef struct {
	Name     string // Go field name
	Type     string // Go type expression
	Tag      string // struct tag, without the back quotes
	Required bool
}

// mapStruct builds the Go definition of a structure shape.
func (g *generator) mapStruct(s *Shape, imports map[string]bool) (structDef, error) {
	def := structDef{Name: g.typeName[s.Name], Shape: s}
	fieldNames := newNamespace()
	jsonKeys := g.jsonKeys(s)
	wireOf := map[string]string{}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	for _, mem := range s.Members {
		typ, omit, err := g.goType(mem.Ref, false, s.Union || g.opts.Box[s.Name+"."+mem.Name], imports)
		if err != nil {
			return def, fmt.Errorf("%s.%s: %w", s.Name, mem.Name, err)
		}
		tag := g.fieldTag(mem, jsonKeys[mem.Name], g.wireName(mem), omit)
		wireOf[mem.Name] = g.wireName(mem)
		def.Fields = append(def.Fields, fieldDef{
			Name:     fieldNames.claim(s.Name+"."+mem.Name, exportName(mem.Name)),
			Type:     typ,
			Tag:      tag,
			Required: required[mem.Name],
		})
	}
	for _, w := range fieldNames.warnings {
		g.warnf("field names: %s", w)
	}
	for _, r := range s.Required {
		wire, ok := wireOf[r]
		if !ok {
			g.warnf("%s: required member %q is not a member; ignored", s.Name, r)
			continue
		}
		def.Required = append(def.Required, wire)
	}
	if len(def.Required) > 0 {
		def.RequiredVar = g.requiredVar[s.Name]
	}
	return def, nil
}

// wireName is a member's name on the wire: its locationName when it has
// one, else its member name.
func (g *generator) wireName(mem Member) string {
	if tr := g.model.traits(mem.Ref); tr.LocationName != "" {
		return tr.LocationName
	}
	return mem.Name
}

// jsonKeys returns the key of each member's json tag: its wire name, unless
// two members of the structure share one (S3's deprecated Event and its
// replacement Events, both flattened as "Event"), which encoding/json cannot
// have. Then a member whose wire name is its own name keeps it, the other
// falls back to its member name, or to "-" (not encoded as JSON) when that
// is taken too.
func (g *generator) jsonKeys(s *Shape) map[string]string {
	keys := map[string]string{}
	used := map[string]bool{}
	// First the members that are named as on the wire, then the rest.
	for _, pass := range []bool{true, false} {
		for _, mem := range s.Members {
			wire := g.wireName(mem)
			if (wire == mem.Name) != pass {
				continue
			}
			key := "-"
			for _, k := range []string{wire, mem.Name} {
				if !used[k] {
					key = k
					break
				}
			}
			if key != wire {
				g.warnf("%s.%s: wire name %q is used by another member; json key %q", s.Name, mem.Name, wire, key)
			}
			used[key] = true
			keys[mem.Name] = key
		}
	}
	return keys
}

// fieldTag returns a member's struct tag, with key as the json key (see
// jsonKeys). The json key is the member's wire name, so a member's own
// locationName needs no tag of its own. Traits that query and XML codecs
// need are recorded as further keys, each only when present:
//
//	wireName           the wire name, when the json key could not be it
//	locationName       a list's element name (query and XML default: "member")
//	keyLocationName    a map key's name
//	valueLocationName  a map value's name
//	flattened          "true" for flattened lists and maps
//	queryName          ec2 query parameter name
//	location           rest binding (header, uri, querystring, …)
//	xmlAttribute       "true" for XML attributes
//	timestampFormat    iso8601, unixTimestamp or rfc822
//	idempotencyToken   "true" for client tokens
func (g *generator) fieldTag(mem Member, key, wire string, omitzero bool) string {
	tr := g.model.traits(mem.Ref)
	var b strings.Builder
	b.WriteString(`json:"` + key)
	if omitzero && key != "-" {
		b.WriteString(",omitzero")
	}
	b.WriteString(`"`)
	add := func(key, value string) {
		if value != "" {
			b.WriteString(" " + key + ":" + strconv.Quote(value))
		}
	}
	flag := func(key string, on bool) {
		if on {
			add(key, "true")
		}
	}
	if key != wire {
		add("wireName", wire)
	}
	switch s := g.model.Shapes[mem.Ref.Shape]; s.Type {
	case "list":
		add("locationName", g.model.traits(s.Member).LocationName)
		flag("flattened", tr.Flattened)
	case "map":
		add("keyLocationName", g.model.traits(s.Key).LocationName)
		add("valueLocationName", g.model.traits(s.Value).LocationName)
		flag("flattened", tr.Flattened)
	}
	add("queryName", tr.QueryName)
	add("location", tr.Location)
	flag("xmlAttribute", tr.XMLAttribute)
	add("timestampFormat", tr.TimestampFormat)
	flag("idempotencyToken", tr.IdempotencyToken)
	return b.String()
}

package main

import (
	"fmt"
	"sort"
	"strconv"
)

// options configure one generation run.
type options struct {
	Pkg         string   // Go package name of the output
	Service     string   // service name for the header, e.g. "ecs"
	Version     string   // API version for the header, e.g. "2014-11-13"
	Ops         []string // operations to generate; all when empty
	MaxLines    int      // soft limit on lines per generated file
	ShapeImport string   // import path of the shape runtime package
	// Box names members ("Shape.member") to box though the model does
	// not: optional scalars AWS omits when unset.
	Box map[string]bool
}

// fixedNames are the package-level identifiers every generated package
// declares, whatever the model; shapes never take them.
var fixedNames = []string{
	"Operations", "ErrorStatus",
	"ServiceID", "EndpointPrefix", "SigningName", "APIVersion", "Protocol",
	"JSONVersion", "TargetPrefix", "XMLNamespace",
}

// generator holds the state of one run: the model, what was selected from
// it and the Go names given to it.
type generator struct {
	opts        options
	model       *Model
	sel         *selection
	shapeImport string

	ns          *namespace
	typeName    map[string]string            // structure shape -> Go type
	requiredVar map[string]string            // structure shape -> <Type>Required
	errName     map[string]string            // error shape -> Err<Name>
	enumNames   map[string]map[string]string // enum shape -> value -> constant
	valuesVar   map[string]string            // enum shape -> <Enum>Values

	structs []*Shape // structure shapes that become Go types, by name
	enums   []*Shape // enum shapes, by name

	warnings []string
}

// file is one generated Go source file.
type file struct {
	Name string
	Src  []byte // gofmt'ed
}

// generate produces the files of the package for m.
func generate(m *Model, opts options) ([]file, []string, error) {
	sel, err := selectShapes(m, opts.Ops)
	if err != nil {
		return nil, nil, err
	}
	g := &generator{
		opts:        opts,
		model:       m,
		sel:         sel,
		shapeImport: opts.ShapeImport,
		ns:          newNamespace(),
		typeName:    map[string]string{},
		requiredVar: map[string]string{},
		errName:     map[string]string{},
		enumNames:   map[string]map[string]string{},
		valuesVar:   map[string]string{},
	}
	g.structs = sel.sortedShapes(m, func(s *Shape) bool { return s.Type == "structure" && !s.Document })
	g.enums = sel.sortedShapes(m, func(s *Shape) bool { return s.Type == "string" && len(s.Enum) > 0 })
	g.assignNames()
	files, err := g.files()
	g.warnings = append(g.warnings, g.ns.warnings...)
	return files, g.warnings, err
}

func (g *generator) warnf(format string, args ...any) {
	g.warnings = append(g.warnings, fmt.Sprintf(format, args...))
}

// assignNames gives every generated declaration its Go identifier. The order
// is fixed (types, errors, enums, required lists; each sorted) so that any
// collision resolves the same way on every run. Types come first so that a
// struct is always named after its shape.
func (g *generator) assignNames() {
	g.ns.reserve(fixedNames...)
	for _, s := range g.structs {
		g.typeName[s.Name] = g.ns.claim("shape "+s.Name, exportName(s.Name))
	}
	for _, name := range g.sel.errors {
		g.errName[name] = g.ns.claim("error "+name, "Err"+exportName(name))
	}
	for _, s := range g.enums {
		prefix := exportName(s.Name)
		names := map[string]string{}
		for i, v := range s.Enum {
			suffix := enumValueName(v)
			if suffix == "" {
				suffix = fmt.Sprintf("Value%d", i)
			}
			if _, dup := names[v]; !dup {
				names[v] = g.ns.claim("enum "+s.Name+" value "+strconv.Quote(v), prefix+suffix)
			}
		}
		g.enumNames[s.Name] = names
		g.valuesVar[s.Name] = g.ns.claim("enum "+s.Name, prefix+"Values", prefix+"EnumValues")
	}
	for _, s := range g.structs {
		if len(s.Required) > 0 {
			t := g.typeName[s.Name]
			g.requiredVar[s.Name] = g.ns.claim("required members of "+s.Name, t+"Required", t+"RequiredMembers")
		}
	}
}

// files renders every generated file, sorted by name.
func (g *generator) files() ([]file, error) {
	var out []file
	add := func(prefix string, chunks []chunk) error {
		fs, err := g.layout(prefix, chunks)
		out = append(out, fs...)
		return err
	}
	types, err := g.typeChunks()
	if err != nil {
		return nil, err
	}
	if err := add("types", types); err != nil {
		return nil, err
	}
	if err := add("enums", g.enumChunks()); err != nil {
		return nil, err
	}
	if err := add("errors", g.errorChunks()); err != nil {
		return nil, err
	}
	service, ops := g.serviceChunks()
	if err := add("service", service); err != nil {
		return nil, err
	}
	if err := add("operations", ops); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

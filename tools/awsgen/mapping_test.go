package main

import (
	"testing"
)

// newTinyGenerator returns a generator over the tiny model with names
// assigned, ready for mapStruct.
func newTinyGenerator(t *testing.T, ops ...string) *generator {
	t.Helper()
	m := loadTiny(t)
	opts := tinyOptions()
	opts.Ops = ops
	sel, err := selectShapes(m, opts.Ops)
	if err != nil {
		t.Fatal(err)
	}
	g := &generator{
		opts: opts, model: m, sel: sel, shapeImport: opts.ShapeImport,
		ns: newNamespace(), typeName: map[string]string{}, requiredVar: map[string]string{},
		errName: map[string]string{}, enumNames: map[string]map[string]string{}, valuesVar: map[string]string{},
	}
	g.structs = sel.sortedShapes(m, func(s *Shape) bool { return s.Type == "structure" && !s.Document })
	g.enums = sel.sortedShapes(m, func(s *Shape) bool { return s.Type == "string" && len(s.Enum) > 0 })
	g.assignNames()
	return g
}

func mapTiny(t *testing.T, g *generator, shape string) (structDef, map[string]bool) {
	t.Helper()
	imports := map[string]bool{}
	def, err := g.mapStruct(g.model.Shapes[shape], imports)
	if err != nil {
		t.Fatal(err)
	}
	return def, imports
}

func TestFieldMapping(t *testing.T) {
	g := newTinyGenerator(t)
	def, imports := mapTiny(t, g, "CreateWidgetRequest")
	fields := map[string]fieldDef{}
	var order []string
	for _, f := range def.Fields {
		fields[f.Name] = f
		order = append(order, f.Name)
	}
	tests := []struct {
		field, typ, tag string
		required        bool
	}{
		{"Name", "string", `json:"name,omitzero"`, true},
		// Non-boxed scalars: value types, always encoded.
		{"Size", "int32", `json:"size"`, true},
		{"Total", "int64", `json:"total"`, false},
		{"Weight", "float64", `json:"weight"`, false},
		{"Enabled", "bool", `json:"enabled"`, false},
		// Boxed on the shape or on the reference: pointers, omitted when nil.
		{"Count", "*int32", `json:"count,omitzero"`, false},
		{"BoxedByRef", "*int32", `json:"boxedByRef,omitzero"`, false},
		{"Ratio", "*float64", `json:"ratio,omitzero"`, false},
		{"Visible", "*bool", `json:"visible,omitzero"`, false},
		// Enums are strings.
		{"Color", "string", `json:"color,omitzero"`, false},
		{"Scope", "string", `json:"scope,omitzero"`, false},
		// Lists of structures hold values; maps record their entry names.
		{"Tags", "[]Tag", `json:"tags,omitzero"`, false},
		{"Labels", "map[string]string", `json:"labels,omitzero" keyLocationName:"k" valueLocationName:"v"`, false},
		{"CreatedAt", "*shape.Time", `json:"createdAt,omitzero"`, false},
		{"Data", "[]byte", `json:"data,omitzero"`, false},
		{"Details", "json.RawMessage", `json:"details,omitzero"`, false},
		{"Widget", "*Widget", `json:"widget,omitzero"`, true},
		// A member named like a Go keyword is exported, so it is safe.
		{"Type", "string", `json:"type,omitzero"`, false},
		// locationName is the wire name; the list element name and the
		// ec2 query name are recorded.
		{"Ids", "[]string", `json:"Id,omitzero" locationName:"item" queryName:"Ids"`, false},
		{"Items", "[]string", `json:"items,omitzero" locationName:"entry" flattened:"true"`, false},
		{"ClientToken", "string", `json:"clientToken,omitzero" idempotencyToken:"true"`, false},
		{"Choice", "*Choice", `json:"choice,omitzero"`, false},
		{"Palette", "*ColorValues", `json:"palette,omitzero"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			f, ok := fields[tt.field]
			if !ok {
				t.Fatalf("no field %s among %v", tt.field, order)
			}
			if f.Type != tt.typ || f.Tag != tt.tag || f.Required != tt.required {
				t.Errorf("got %s `%s` required=%v, want %s `%s` required=%v", f.Type, f.Tag, f.Required, tt.typ, tt.tag, tt.required)
			}
		})
	}
	if len(def.Fields) != len(tests) {
		t.Errorf("%d fields, want %d: %v", len(def.Fields), len(tests), order)
	}
	// Fields keep the model's member order.
	if order[0] != "Name" || order[1] != "Size" || order[len(order)-1] != "Palette" {
		t.Errorf("field order %v", order)
	}
	if def.RequiredVar != "CreateWidgetRequestRequired" || len(def.Required) != 3 ||
		def.Required[0] != "name" || def.Required[1] != "size" || def.Required[2] != "widget" {
		t.Errorf("required: %s = %v", def.RequiredVar, def.Required)
	}
	if !imports["encoding/json"] || !imports[g.shapeImport] || len(imports) != 2 {
		t.Errorf("imports %v", imports)
	}
}

func TestRecursiveAndNestedShapes(t *testing.T) {
	g := newTinyGenerator(t)
	def, _ := mapTiny(t, g, "Node")
	want := map[string]string{
		"Value":    "string",
		"Next":     "*Node",
		"Children": "[]Node",
		"ByName":   "map[string]Node",
	}
	for _, f := range def.Fields {
		if want[f.Name] != f.Type {
			t.Errorf("%s: %s, want %s", f.Name, f.Type, want[f.Name])
		}
	}
	if def.RequiredVar != "" {
		t.Errorf("Node has no required members, got %s", def.RequiredVar)
	}
	resp, _ := mapTiny(t, g, "CreateWidgetResponse")
	if resp.Fields[1].Type != "[]shape.Time" {
		t.Errorf("list of timestamps: %s", resp.Fields[1].Type)
	}
}

func TestUnionMembersAreOptional(t *testing.T) {
	g := newTinyGenerator(t)
	def, _ := mapTiny(t, g, "Choice")
	if f := def.Fields[1]; f.Type != "*int32" || f.Tag != `json:"number,omitzero"` {
		t.Errorf("union integer member: %s `%s`", f.Type, f.Tag)
	}
}

func TestSharedWireName(t *testing.T) {
	m := &Model{Shapes: map[string]*Shape{
		"S": {Name: "S", Type: "structure", Members: Members{
			{Name: "Events", Ref: ShapeRef{Shape: "L", Traits: Traits{LocationName: "Event", Flattened: true}}},
			{Name: "Event", Ref: ShapeRef{Shape: "Str"}},
		}},
		"L":   {Name: "L", Type: "list", Member: ShapeRef{Shape: "Str"}},
		"Str": {Name: "Str", Type: "string"},
	}}
	g := &generator{model: m, typeName: map[string]string{"S": "S"}}
	def, err := g.mapStruct(m.Shapes["S"], map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	if got := def.Fields[0].Tag; got != `json:"Events,omitzero" wireName:"Event" flattened:"true"` {
		t.Errorf("Events: `%s`", got)
	}
	if got := def.Fields[1].Tag; got != `json:"Event,omitzero"` {
		t.Errorf("Event: `%s`", got)
	}
	if len(g.warnings) != 1 {
		t.Errorf("warnings %v", g.warnings)
	}
}

func TestTraitsOverlay(t *testing.T) {
	m := &Model{Shapes: map[string]*Shape{
		"L": {Name: "L", Type: "list", Traits: Traits{LocationName: "item", Flattened: true}},
	}}
	if got := m.traits(ShapeRef{Shape: "L"}); got.LocationName != "item" || !got.Flattened {
		t.Errorf("shape traits not inherited: %+v", got)
	}
	if got := m.traits(ShapeRef{Shape: "L", Traits: Traits{LocationName: "accelerators"}}); got.LocationName != "accelerators" || !got.Flattened {
		t.Errorf("reference traits do not win: %+v", got)
	}
}

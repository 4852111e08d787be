package main

import (
	"fmt"
	"strconv"
	"strings"
)

// chunk is one top-level piece of generated source (a type with its
// required list, an enum's constants, …) and the imports it needs. Chunks
// are the unit that layout distributes over files.
type chunk struct {
	text    string
	imports map[string]bool
}

func (c chunk) lines() int { return strings.Count(c.text, "\n") }

// maxValuesLine is the width at which lists of identifiers are wrapped.
const maxValuesLine = 96

// typeChunks renders one chunk per struct: its type declaration followed by
// its <Type>Required list.
func (g *generator) typeChunks() ([]chunk, error) {
	var out []chunk
	for _, s := range g.structs {
		imports := map[string]bool{}
		def, err := g.mapStruct(s, imports)
		if err != nil {
			return nil, err
		}
		out = append(out, chunk{text: renderStruct(def), imports: imports})
	}
	return out, nil
}

func renderStruct(def structDef) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// %s is the shape %s.", def.Name, def.Shape.Name)
	switch {
	case def.Shape.Union:
		b.WriteString(" It is a union: set exactly one member.")
	case def.Shape.Exception:
		b.WriteString(" It is also an error shape.")
	}
	b.WriteString("\n")
	if len(def.Fields) == 0 {
		fmt.Fprintf(&b, "type %s struct{}\n", def.Name)
	} else {
		fmt.Fprintf(&b, "type %s struct {\n", def.Name)
		for _, f := range def.Fields {
			fmt.Fprintf(&b, "\t%s %s %s", f.Name, f.Type, quoteTag(f.Tag))
			if f.Required {
				b.WriteString(" // required")
			}
			b.WriteString("\n")
		}
		b.WriteString("}\n")
	}
	if def.RequiredVar != "" {
		quoted := make([]string, len(def.Required))
		for i, w := range def.Required {
			quoted[i] = strconv.Quote(w)
		}
		fmt.Fprintf(&b, "\n// %s lists the wire names of %s's required members.\n", def.RequiredVar, def.Name)
		fmt.Fprintf(&b, "var %s = []string{%s}\n", def.RequiredVar, strings.Join(quoted, ", "))
	}
	return b.String()
}

// quoteTag writes a struct tag as a raw string, or as an interpreted one in
// the unlikely case that it contains a back quote.
func quoteTag(tag string) string {
	if strings.Contains(tag, "`") {
		return strconv.Quote(tag)
	}
	return "`" + tag + "`"
}

// enumChunks renders, per enum shape, its constants and its <Enum>Values
// list. A very large enum (EC2's InstanceType) is split into several const
// blocks so that each fits in a file.
func (g *generator) enumChunks() []chunk {
	per := max(g.opts.MaxLines-20, 10)
	var out []chunk
	for _, s := range g.enums {
		names := g.enumNames[s.Name]
		var consts []string
		seen := map[string]bool{} // a value listed twice gets one constant
		for start := 0; start < len(s.Enum); start += per {
			var b strings.Builder
			if start == 0 {
				fmt.Fprintf(&b, "// Values of the enum shape %s.\n", s.Name)
			} else {
				fmt.Fprintf(&b, "// Values of the enum shape %s, continued.\n", s.Name)
			}
			b.WriteString("const (\n")
			for _, v := range s.Enum[start:min(start+per, len(s.Enum))] {
				if !seen[v] {
					seen[v] = true
					fmt.Fprintf(&b, "\t%s = %s\n", names[v], strconv.Quote(v))
					consts = append(consts, names[v])
				}
			}
			b.WriteString(")\n")
			out = append(out, chunk{text: b.String()})
		}
		var b strings.Builder
		fmt.Fprintf(&b, "// %s lists the values of %s in model order.\n", g.valuesVar[s.Name], s.Name)
		fmt.Fprintf(&b, "var %s = []string{\n", g.valuesVar[s.Name])
		writeWrapped(&b, consts)
		b.WriteString("}\n")
		out = append(out, chunk{text: b.String()})
	}
	return out
}

// writeWrapped writes items as comma-terminated, tab-indented lines of at
// most maxValuesLine characters.
func writeWrapped(b *strings.Builder, items []string) {
	line := 0
	for _, it := range items {
		if line > 0 && line+len(it)+2 > maxValuesLine {
			b.WriteString("\n")
			line = 0
		}
		if line == 0 {
			b.WriteString("\t")
		} else {
			b.WriteString(" ")
		}
		b.WriteString(it + ",")
		line += len(it) + 2
	}
	if line > 0 {
		b.WriteString("\n")
	}
}

// errorStatus is the HTTP status of an error shape and a comment saying
// where it came from.
func errorStatus(s *Shape) (status int, comment string) {
	switch {
	case s.Error != nil && s.Error.HTTPStatusCode != 0:
		return s.Error.HTTPStatusCode, fmt.Sprintf("HTTP %d.", s.Error.HTTPStatusCode)
	case s.Fault:
		return 500, "HTTP 500 (default for a server fault)."
	default:
		return 400, "HTTP 400 (default for a client error)."
	}
}

// errorCode is the code on the wire: error.code when the model gives one
// (IAM's NoSuchEntityException is "NoSuchEntity"), else the shape name.
func errorCode(s *Shape) string {
	if s.Error != nil && s.Error.Code != "" {
		return s.Error.Code
	}
	return s.Name
}

// errorChunks renders the Err<Name> constants and the ErrorStatus map.
func (g *generator) errorChunks() []chunk {
	var consts, status strings.Builder
	consts.WriteString("// Error codes, one per error shape, as sent on the wire.\nconst (\n")
	status.WriteString("// ErrorStatus maps each error code to the HTTP status AWS answers with.\n")
	status.WriteString("var ErrorStatus = map[string]int{\n")
	statusOf := map[string]int{} // code -> status; two shapes may share a code
	for _, name := range g.sel.errors {
		s := g.model.Shapes[name]
		code := errorCode(s)
		st, comment := errorStatus(s)
		if code != name {
			comment = name + "; " + comment
		}
		fmt.Fprintf(&consts, "\t%s = %s // %s\n", g.errName[name], strconv.Quote(code), comment)
		if prev, dup := statusOf[code]; dup {
			if prev != st {
				g.warnf("error code %s: HTTP %d and %d; keeping %d", code, prev, st, prev)
			}
			continue
		}
		statusOf[code] = st
		fmt.Fprintf(&status, "\t%s: %d,\n", g.errName[name], st)
	}
	consts.WriteString(")\n")
	status.WriteString("}\n")
	var out []chunk
	if len(g.sel.errors) > 0 {
		out = append(out, chunk{text: consts.String()})
	}
	return append(out, chunk{text: status.String()})
}

// serviceChunks renders the service metadata and the Operations table.
// When the table does not fit in one file it is split into unexported
// parts, returned as the second result, that Operations concatenates.
func (g *generator) serviceChunks() (service, ops []chunk) {
	md := g.model.Metadata
	signing := md.SigningName
	if signing == "" {
		signing = md.EndpointPrefix
	}
	var b strings.Builder
	b.WriteString("// Service metadata from the model.\nconst (\n")
	for _, kv := range [][2]string{
		{"ServiceID", md.ServiceID},
		{"EndpointPrefix", md.EndpointPrefix},
		{"SigningName", signing},
		{"APIVersion", md.APIVersion},
		{"Protocol", md.Protocol},
		{"JSONVersion", md.JSONVersion},
		{"TargetPrefix", md.TargetPrefix},
		{"XMLNamespace", md.XMLNamespace},
	} {
		fmt.Fprintf(&b, "\t%s = %s\n", kv[0], strconv.Quote(kv[1]))
	}
	b.WriteString(")\n")
	meta := chunk{text: b.String()}

	imports := map[string]bool{g.shapeImport: true}
	var rows []string
	total := 0
	for _, op := range g.sel.ops {
		row := g.operationRow(op)
		rows = append(rows, row)
		total += strings.Count(row, "\n")
	}
	const opsDoc = "// Operations lists the generated operations, sorted by name.\n"
	if total <= g.budget()-meta.lines()-4 {
		text := opsDoc + "var Operations = []" + shapeAlias + ".OperationInfo{\n" + strings.Join(rows, "") + "}\n"
		return []chunk{meta, {text: text, imports: imports}}, nil
	}
	per := max(g.budget()-4, 10)
	var parts []string
	for len(rows) > 0 {
		var part strings.Builder
		lines := 0
		for len(rows) > 0 && (lines == 0 || lines+strings.Count(rows[0], "\n") <= per) {
			part.WriteString(rows[0])
			lines += strings.Count(rows[0], "\n")
			rows = rows[1:]
		}
		name := fmt.Sprintf("operations%02d", len(parts)+1)
		parts = append(parts, name)
		text := fmt.Sprintf("// %s is part %d of Operations.\nvar %s = []%s.OperationInfo{\n%s}\n",
			name, len(parts), name, shapeAlias, part.String())
		ops = append(ops, chunk{text: text, imports: imports})
	}
	text := opsDoc + "var Operations = slices.Concat(\n"
	for _, p := range parts {
		text += "\t" + p + ",\n"
	}
	text += ")\n"
	return []chunk{meta, {text: text, imports: map[string]bool{"slices": true}}}, ops
}

// operationRow renders one OperationInfo literal as an element of a slice
// literal: on one line when it is short, else with its error list wrapped.
func (g *generator) operationRow(op *Operation) string {
	fields := []string{"Name: " + strconv.Quote(op.Name)}
	typeOf := func(ref *ShapeRef) string {
		if name, ok := g.typeName[ref.Shape]; ok {
			return name
		}
		return exportName(ref.Shape)
	}
	if op.Input != nil {
		fields = append(fields, "Input: "+strconv.Quote(typeOf(op.Input)))
	}
	if op.Output != nil {
		fields = append(fields, "Output: "+strconv.Quote(typeOf(op.Output)))
		if op.Output.ResultWrapper != "" {
			fields = append(fields, "ResultWrapper: "+strconv.Quote(op.Output.ResultWrapper))
		}
	}
	errs := make([]string, len(op.Errors))
	for i, e := range op.Errors {
		errs[i] = g.errName[e.Shape]
	}
	line := "{" + strings.Join(fields, ", ")
	if len(errs) > 0 {
		line += ", Errors: []string{" + strings.Join(errs, ", ") + "}"
	}
	line += "}"
	if len(line) <= maxValuesLine {
		return "\t" + line + ",\n"
	}
	var b strings.Builder
	b.WriteString("\t{\n\t\t" + strings.Join(fields, ", ") + ",\n")
	if len(errs) > 0 {
		b.WriteString("\t\tErrors: []string{\n")
		var list strings.Builder
		writeWrapped(&list, errs)
		b.WriteString(strings.ReplaceAll(list.String(), "\t", "\t\t\t"))
		b.WriteString("\t\t},\n")
	}
	b.WriteString("\t},\n")
	return b.String()
}

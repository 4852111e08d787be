package main

import (
	"fmt"
	"sort"
)

// selection is what one run generates: the chosen operations and every
// shape reachable from their inputs and outputs, plus their error shapes.
type selection struct {
	ops    []*Operation    // sorted by name
	shapes map[string]bool // reachable through inputs and outputs
	errors []string        // error shape names, sorted
}

// selectShapes picks the operations named in opNames (all when empty) and
// walks the model from their inputs and outputs. Error shapes are those the
// chosen operations list; when every operation is chosen, every exception
// shape of the model is included, referenced or not.
func selectShapes(m *Model, opNames []string) (*selection, error) {
	sel := &selection{shapes: map[string]bool{}}
	if len(opNames) == 0 {
		for _, op := range m.Operations {
			sel.ops = append(sel.ops, op)
		}
	} else {
		seen := map[string]bool{}
		for _, name := range opNames {
			op := m.Operations[name]
			if op == nil {
				return nil, fmt.Errorf("no operation %q in the model", name)
			}
			if !seen[name] {
				seen[name] = true
				sel.ops = append(sel.ops, op)
			}
		}
	}
	sort.Slice(sel.ops, func(i, j int) bool { return sel.ops[i].Name < sel.ops[j].Name })

	errs := map[string]bool{}
	for _, op := range sel.ops {
		for _, ref := range []*ShapeRef{op.Input, op.Output} {
			if ref != nil {
				sel.walk(m, ref.Shape)
			}
		}
		for _, ref := range op.Errors {
			errs[ref.Shape] = true
		}
	}
	if len(opNames) == 0 {
		for name, s := range m.Shapes {
			if s.Exception {
				errs[name] = true
			}
		}
	}
	for name := range errs {
		sel.errors = append(sel.errors, name)
	}
	sort.Strings(sel.errors)
	return sel, nil
}

// walk marks name and everything it references. Recursive shapes terminate
// because a shape is visited once.
func (sel *selection) walk(m *Model, name string) {
	if sel.shapes[name] {
		return
	}
	sel.shapes[name] = true
	s := m.Shapes[name]
	switch s.Type {
	case "structure":
		for _, mem := range s.Members {
			sel.walk(m, mem.Ref.Shape)
		}
	case "list":
		sel.walk(m, s.Member.Shape)
	case "map":
		sel.walk(m, s.Key.Shape)
		sel.walk(m, s.Value.Shape)
	}
}

// sortedShapes returns the reachable shapes that keep accepts, sorted by
// name.
func (sel *selection) sortedShapes(m *Model, keep func(*Shape) bool) []*Shape {
	var out []*Shape
	for name := range sel.shapes {
		if s := m.Shapes[name]; keep(s) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

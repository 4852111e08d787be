package main

import (
	"slices"
	"sort"
	"testing"
)

func TestSelectAllOperations(t *testing.T) {
	sel, err := selectShapes(loadTiny(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, op := range sel.ops {
		ops = append(ops, op.Name)
	}
	if !slices.Equal(ops, []string{"CreateWidget", "ListNodes", "Unused"}) {
		t.Errorf("ops %v", ops)
	}
	// Every exception shape, referenced or not.
	if want := []string{"GoneException", "ServerFault", "UnusedException", "WidgetNotFoundException"}; !slices.Equal(sel.errors, want) {
		t.Errorf("errors %v, want %v", sel.errors, want)
	}
	for _, name := range []string{"Orphan", "Node", "NodeList", "Color", "Document"} {
		if !sel.shapes[name] {
			t.Errorf("%s not reached", name)
		}
	}
	if sel.shapes["WidgetNotFoundException"] {
		t.Error("error shapes are not walked as types")
	}
}

func TestSelectSomeOperations(t *testing.T) {
	sel, err := selectShapes(loadTiny(t), []string{"ListNodes", "ListNodes"})
	if err != nil {
		t.Fatal(err)
	}
	var shapes []string
	for name := range sel.shapes {
		shapes = append(shapes, name)
	}
	sort.Strings(shapes)
	want := []string{"ListNodesRequest", "ListNodesResponse", "Node", "NodeList", "NodeMap", "String"}
	if !slices.Equal(shapes, want) {
		t.Errorf("shapes %v, want %v", shapes, want)
	}
	if len(sel.ops) != 1 || !slices.Equal(sel.errors, []string{"GoneException"}) {
		t.Errorf("ops %d, errors %v", len(sel.ops), sel.errors)
	}
	if _, err := selectShapes(loadTiny(t), []string{"Nope"}); err == nil {
		t.Error("unknown operation accepted")
	}
}

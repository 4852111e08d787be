package filterpattern

import (
	"strings"
	"testing"
)

func TestParseJSONDepth(t *testing.T) {
	deep := func(n int) string {
		return `{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "}"
	}
	var d doc
	if !d.parse(deep(maxDepth)) {
		t.Errorf("an object nested %d deep should parse, as encoding/json allows", maxDepth)
	}
	if d.parse(deep(maxDepth + 1)) {
		t.Errorf("an object nested %d deep should not parse", maxDepth+1)
	}
}

func TestParseJSONTree(t *testing.T) {
	var d doc
	msg := `{"a": {"b": [10, "x\ty", null]}, "c\u0064": true}`
	if !d.parse(msg) {
		t.Fatalf("parse(%q) failed", msg)
	}
	var got []string
	d.find(0, []segment{{kind: segKey, key: "a"}, {kind: segKey, key: "b"}, {kind: segAny}}, func(n int32) bool {
		switch d.nodes[n].kind {
		case jNumber, jString:
			got = append(got, d.text(n))
		case jNull:
			got = append(got, "null")
		}
		return false
	})
	if strings.Join(got, "|") != "10|x\ty|null" {
		t.Errorf("$.a.b[*] = %q", got)
	}
	if !d.find(0, []segment{{kind: segKey, key: "cd"}}, func(n int32) bool { return d.nodes[n].kind == jTrue }) {
		t.Error(`$.cd (written "c\u0064") not found`)
	}
}

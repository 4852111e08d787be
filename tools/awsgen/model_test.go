package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadModel(t *testing.T) {
	m := loadTiny(t)
	if m.Metadata.TargetPrefix != "Tiny_20200101" || m.Metadata.Protocol != "json" {
		t.Errorf("metadata %+v", m.Metadata)
	}
	req := m.Shapes["CreateWidgetRequest"]
	if req.Name != "CreateWidgetRequest" || len(req.Members) != 23 {
		t.Fatalf("CreateWidgetRequest: %q with %d members", req.Name, len(req.Members))
	}
	// Members keep model order, which a map would lose.
	if req.Members[0].Name != "name" || req.Members[1].Name != "size" || req.Members[22].Name != "palette" {
		t.Errorf("member order: %s, %s, …, %s", req.Members[0].Name, req.Members[1].Name, req.Members[22].Name)
	}
	if ids := req.Members[18]; ids.Name != "Ids" || ids.Ref.LocationName != "Id" || ids.Ref.QueryName != "Ids" {
		t.Errorf("Ids member %+v", ids)
	}
	if op := m.Operations["ListNodes"]; op.Output.ResultWrapper != "ListNodesResult" {
		t.Errorf("result wrapper %+v", op.Output)
	}
	if e := m.Shapes["WidgetNotFoundException"].Error; e == nil || e.Code != "WidgetNotFound" || e.HTTPStatusCode != 404 {
		t.Errorf("error info %+v", e)
	}
}

func TestLoadGzippedModel(t *testing.T) {
	plain, err := os.ReadFile("testdata/tiny.json")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(plain)
	zw.Close()
	p := filepath.Join(t.TempDir(), "service-2.json.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Shapes) != len(loadTiny(t).Shapes) {
		t.Errorf("%d shapes", len(m.Shapes))
	}
}

func TestModelDanglingReference(t *testing.T) {
	for _, src := range []string{
		`{"operations":{"Op":{"input":{"shape":"Missing"}}},"shapes":{}}`,
		`{"shapes":{"S":{"type":"structure","members":{"a":{"shape":"Missing"}}}}}`,
		`{"shapes":{"L":{"type":"list","member":{"shape":"Missing"}}}}`,
		`{"shapes":{"M":{"type":"map","key":{"shape":"Missing"},"value":{"shape":"Missing"}}}}`,
	} {
		if _, err := ReadModel(strings.NewReader(src)); err == nil || !strings.Contains(err.Error(), "Missing") {
			t.Errorf("%s: err = %v", src, err)
		}
	}
}

func TestUnsupportedType(t *testing.T) {
	m, err := ReadModel(strings.NewReader(`{"operations":{"Op":{"input":{"shape":"In"}}},"shapes":{
		"In":{"type":"structure","members":{"x":{"shape":"X"}}},
		"X":{"type":"bignum"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := generate(m, tinyOptions()); err == nil || !strings.Contains(err.Error(), "bignum") {
		t.Errorf("err = %v", err)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFilesRemovesOnlyStaleGenerated(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("doc.go", "// Package x.\npackage x\n")
	write("zz_handwritten.go", "package x\n")
	write("zz_types_09.go", generatedPrefix+"from the botocore model x 1. DO NOT EDIT.\n\npackage x\n")
	write("zz_empty.go", "")

	files := []file{{Name: "zz_types.go", Src: []byte("package x\n")}}
	if err := writeFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"doc.go": true, "zz_handwritten.go": true, "zz_empty.go": true,
		"zz_types.go": true, "zz_types_09.go": false,
	} {
		_, err := os.Stat(filepath.Join(dir, name))
		if got := err == nil; got != want {
			t.Errorf("%s exists = %v, want %v", name, got, want)
		}
	}
}

func TestFindModel(t *testing.T) {
	data := t.TempDir()
	for _, p := range []string{
		"svc/2019-01-01/service-2.json",
		"svc/2020-06-01/service-2.json.gz",
		"svc/2021-01-01/paginators-1.json", // no model in the newest dir
	} {
		full := filepath.Join(data, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte("{}"), 0o644)
	}
	got, err := findModel(data, "svc")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(data, "svc/2020-06-01/service-2.json.gz"); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, err := findModel(data, "nope"); err == nil {
		t.Error("missing service found")
	}
}

func TestModelIdentity(t *testing.T) {
	md := Metadata{APIVersion: "2014-11-13", EndpointPrefix: "ecs-ep"}
	if s, v := modelIdentity("/x/botocore/data/ecs/2014-11-13/service-2.json.gz", md); s != "ecs" || v != "2014-11-13" {
		t.Errorf("botocore layout: %s %s", s, v)
	}
	if s, v := modelIdentity("testdata/tiny.json", md); s != "ecs-ep" || v != "2014-11-13" {
		t.Errorf("other layout: %s %s", s, v)
	}
}

func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "gen")
	var stderr strings.Builder
	err := run([]string{"-model", "testdata/tiny.json", "-pkg", "tinytypes", "-out", out, "-ops", "ListNodes, CreateWidget"}, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 4 { // zz_types, zz_enums, zz_errors, zz_service
		t.Errorf("files %v", names)
	}
	if err := run([]string{"-pkg", "x"}, &stderr); err == nil {
		t.Error("missing -out and -model accepted")
	}
}

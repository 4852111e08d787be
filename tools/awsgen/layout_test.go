package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"
)

// parseAll checks that every file parses as Go and returns its line count.
func parseAll(t *testing.T, files []file) map[string]int {
	t.Helper()
	lines := map[string]int{}
	fset := token.NewFileSet()
	for _, f := range files {
		if _, err := parser.ParseFile(fset, f.Name, f.Src, parser.ParseComments); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
		lines[f.Name] = strings.Count(string(f.Src), "\n")
	}
	return lines
}

func TestFileSplitting(t *testing.T) {
	for _, maxLines := range []int{40, 60, 100, 650} {
		t.Run(fmt.Sprint(maxLines), func(t *testing.T) {
			opts := tinyOptions()
			opts.MaxLines = maxLines
			files, _ := generateTiny(t, opts)
			lines := parseAll(t, files)
			names := regexp.MustCompile(`^zz_(types|enums|errors|service|operations)(_\d\d)?\.go$`)
			types := 0
			for name, n := range lines {
				if !names.MatchString(name) {
					t.Errorf("unexpected file name %s", name)
				}
				if strings.HasPrefix(name, "zz_types") {
					types++
				}
				// The largest chunk of the tiny model is CreateWidgetRequest (~30 lines).
				if n > max(maxLines, 45) {
					t.Errorf("%s has %d lines, limit %d", name, n, maxLines)
				}
			}
			if maxLines <= 60 && types < 2 {
				t.Errorf("types in %d file(s) at -maxlines %d", types, maxLines)
			}
			if maxLines == 650 && types != 1 {
				t.Errorf("types in %d files at -maxlines 650, want zz_types.go", types)
			}
		})
	}
}

// A model with many operations splits the Operations table into parts that
// Operations concatenates.
func TestOperationsSplit(t *testing.T) {
	m := loadTiny(t)
	for i := range 40 {
		name := fmt.Sprintf("Extra%02d", i)
		m.Operations[name] = &Operation{Name: name, Input: &ShapeRef{Shape: "UnusedRequest"}}
	}
	opts := tinyOptions()
	opts.MaxLines = 30
	files, _, err := generate(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	parseAll(t, files)
	var service string
	parts := 0
	for _, f := range files {
		if f.Name == "zz_service.go" {
			service = string(f.Src)
		}
		if strings.HasPrefix(f.Name, "zz_operations_") {
			parts++
		}
	}
	if parts < 2 || !strings.Contains(service, "var Operations = slices.Concat(") || !strings.Contains(service, "\"slices\"") {
		t.Errorf("%d parts; service file:\n%s", parts, service)
	}
}

// A very large enum (EC2's InstanceType has ~1,000 values) is split into
// several const blocks.
func TestLargeEnumSplit(t *testing.T) {
	m := loadTiny(t)
	color := m.Shapes["Color"]
	for i := range 100 {
		color.Enum = append(color.Enum, fmt.Sprintf("v%d", i))
	}
	opts := tinyOptions()
	opts.MaxLines = 50
	files, _, err := generate(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	lines := parseAll(t, files)
	enumFiles := 0
	for name, n := range lines {
		if strings.HasPrefix(name, "zz_enums") {
			enumFiles++
			if n > 60 {
				t.Errorf("%s has %d lines", name, n)
			}
		}
	}
	if enumFiles < 3 {
		t.Errorf("enums in %d files", enumFiles)
	}
}

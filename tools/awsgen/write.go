package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeFiles writes files into dir and removes the files an earlier run of
// awsgen generated there that this run did not produce (a shape removed from
// the model, fewer split files). Only files whose first line carries the
// awsgen header are ever removed; hand-written files such as doc.go are left
// alone. Files whose content is unchanged are not rewritten.
func writeFiles(dir string, files []file) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, f := range files {
		keep[f.Name] = true
		p := filepath.Join(dir, f.Name)
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, f.Src) {
			continue
		}
		if err := os.WriteFile(p, f.Src, 0o644); err != nil {
			return err
		}
	}
	stale, err := filepath.Glob(filepath.Join(dir, "zz_*.go"))
	if err != nil {
		return err
	}
	for _, p := range stale {
		if keep[filepath.Base(p)] {
			continue
		}
		ours, err := generatedByAwsgen(p)
		if err != nil {
			return err
		}
		if ours {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("remove stale %s: %w", p, err)
			}
		}
	}
	return nil
}

// generatedByAwsgen reports whether the file at p starts with awsgen's
// header.
func generatedByAwsgen(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return false, nil // empty file
	}
	return strings.HasPrefix(line, generatedPrefix), nil
}

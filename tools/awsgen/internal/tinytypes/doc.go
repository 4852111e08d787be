// Package tinytypes is awsgen's output for its test model,
// tools/awsgen/testdata/tiny.json, checked in so that the compiler and
// go vet check the generated code and so that its tests can check how the
// types encode. The awsgen tests fail when these files are stale; rebuild
// them with `go generate` here (or `go test ./tools/awsgen -update`).
//
// The small -maxlines makes the types span several files, exercising the
// file splitting.
package tinytypes

//go:generate go run ../.. -model ../../testdata/tiny.json -pkg tinytypes -out . -maxlines 60

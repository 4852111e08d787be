// Command awsgen generates Go types for an AWS service from its botocore
// model: a struct per structure shape reachable from the chosen operations,
// constants for enums and error codes, and the service's metadata and
// operation table. The mapping rules are in mapping.go; DESIGN.md says why
// the wire shapes follow the botocore models.
//
// Usage:
//
//	go run ./tools/awsgen -service ecs -pkg ecstypes -out internal/awsapi/ecs/ecstypes
//	go run ./tools/awsgen -model path/to/service-2.json.gz -pkg ecstypes -out DIR [-ops Op1,Op2]
//
// With -service, the model is the newest API version of that service in the
// installed Python botocore (or under -data).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "awsgen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("awsgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		modelPath = fs.String("model", "", "botocore model file (service-2.json or service-2.json.gz)")
		service   = fs.String("service", "", "botocore service name (e.g. ecs); finds the newest model when -model is not given")
		dataDir   = fs.String("data", "", "botocore data directory (default: ask python3 where botocore is)")
		pkg       = fs.String("pkg", "", "Go package name of the output (required)")
		out       = fs.String("out", "", "output directory (required)")
		ops       = fs.String("ops", "", "comma-separated operations to generate (default: all)")
		box       = fs.String("box", "", "comma-separated members (Shape.member) to box though the model does not")
		maxLines  = fs.Int("maxlines", 650, "soft limit on the lines of one generated file")
		shapePkg  = fs.String("shapepkg", "github.com/berth-dev/berth/internal/awsapi/shape", "import path of the shape runtime package")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pkg == "" || *out == "" || *modelPath == "" && *service == "" {
		fs.Usage()
		return errors.New("need -pkg, -out and one of -model or -service")
	}
	path := *modelPath
	if path == "" {
		dir := *dataDir
		if dir == "" {
			var err error
			if dir, err = botocoreDataDir(); err != nil {
				return err
			}
		}
		var err error
		if path, err = findModel(dir, *service); err != nil {
			return err
		}
	}
	m, err := LoadModel(path)
	if err != nil {
		return err
	}
	svc, version := modelIdentity(path, m.Metadata)
	if *service != "" {
		svc = *service
	}
	opts := options{
		Pkg:         *pkg,
		Service:     svc,
		Version:     version,
		MaxLines:    *maxLines,
		ShapeImport: *shapePkg,
	}
	for _, b := range strings.Split(*box, ",") {
		if b = strings.TrimSpace(b); b != "" {
			if opts.Box == nil {
				opts.Box = map[string]bool{}
			}
			opts.Box[b] = true
		}
	}
	for _, op := range strings.Split(*ops, ",") {
		if op = strings.TrimSpace(op); op != "" {
			opts.Ops = append(opts.Ops, op)
		}
	}
	files, warnings, err := generate(m, opts)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "awsgen: warning:", w)
	}
	if err != nil {
		return err
	}
	return writeFiles(*out, files)
}

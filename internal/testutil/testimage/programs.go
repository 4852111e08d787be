package testimage

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// programs are the Go workloads every image carries, each at /NAME where
// NAME is the last element of its package path (what `go build -o DIR/`
// names it). Packages are relative to the module root.
var programs = []string{
	"./test/testapp", // the test workload: echo server, log writer, probes
	"./test/sdkapp",  // an aws-sdk-go-v2 program: the task role's identity
}

// built holds the programs, built at most once per process: every image
// carries the same bytes, and a failed build is retried on the next call.
var built struct {
	mu   sync.Mutex
	bins map[string][]byte // by name in the image
	sum  [sha256.Size]byte // of every name and binary
}

// programBinaries builds the programs statically for linux/GOARCH, with one
// `go build` so the go command compiles them in parallel, and returns them
// by name; the temporary build directory is removed before it returns.
func programBinaries(ctx context.Context) (map[string][]byte, [sha256.Size]byte, error) {
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.bins != nil {
		return built.bins, built.sum, nil
	}
	goBin, err := goTool()
	if err != nil {
		return nil, built.sum, err
	}
	root, err := moduleRoot(ctx, goBin)
	if err != nil {
		return nil, built.sum, err
	}
	tmp, err := os.MkdirTemp("", "berth-testimage-")
	if err != nil {
		return nil, built.sum, err
	}
	defer os.RemoveAll(tmp)
	args := append([]string{"build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", tmp + string(filepath.Separator)}, programs...)
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, built.sum, fmt.Errorf("testimage: go build %s in %s: %w\n%s", strings.Join(programs, " "), root, err, msg)
	}
	bins := make(map[string][]byte, len(programs))
	h := sha256.New()
	for _, pkg := range programs {
		name := path.Base(pkg)
		bin, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			return nil, built.sum, fmt.Errorf("testimage: %w", err)
		}
		bins[name] = bin
		sum := sha256.Sum256(bin)
		fmt.Fprintf(h, "%q %x\n", name, sum)
	}
	built.bins = bins
	copy(built.sum[:], h.Sum(nil))
	return built.bins, built.sum, nil
}

func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	for _, p := range []string{filepath.Join(os.Getenv("GOROOT"), "bin", "go"), "/usr/local/go/bin/go"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("testimage: no go command in PATH to build the test programs")
}

// moduleRoot asks `go env GOMOD` from this source file's directory when it
// still exists (so callers may run from anywhere), else from the working
// directory.
func moduleRoot(ctx context.Context, goBin string) (string, error) {
	cmd := exec.CommandContext(ctx, goBin, "env", "GOMOD")
	if _, file, _, ok := runtime.Caller(0); ok {
		if fi, err := os.Stat(filepath.Dir(file)); err == nil && fi.IsDir() {
			cmd.Dir = filepath.Dir(file)
		}
	}
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("testimage: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("testimage: not inside the berth module (go env GOMOD is empty)")
	}
	root := filepath.Dir(gomod)
	for _, pkg := range programs {
		if _, err := os.Stat(filepath.Join(root, pkg)); err != nil {
			return "", fmt.Errorf("testimage: module %s has no %s: %w", root, pkg, err)
		}
	}
	return root, nil
}

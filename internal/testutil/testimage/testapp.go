package testimage

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// testappPkg is the test workload's package, relative to the module root.
const testappPkg = "./test/testapp"

// built is the testapp binary, built at most once per process: every image
// carries the same bytes, and a failed build is retried on the next call.
var built struct {
	mu  sync.Mutex
	bin []byte
	sum [sha256.Size]byte
}

// testappBinary builds test/testapp statically for linux/GOARCH and returns
// its bytes; the temporary build directory is removed before it returns.
func testappBinary(ctx context.Context) ([]byte, [sha256.Size]byte, error) {
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.bin != nil {
		return built.bin, built.sum, nil
	}
	goBin, err := goTool()
	if err != nil {
		return nil, built.sum, err
	}
	root, err := moduleRoot(ctx, goBin)
	if err != nil {
		return nil, built.sum, err
	}
	tmp, err := os.MkdirTemp("", "berth-testapp-")
	if err != nil {
		return nil, built.sum, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "testapp")
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", out, testappPkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, built.sum, fmt.Errorf("testimage: go build %s in %s: %w\n%s", testappPkg, root, err, msg)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, built.sum, err
	}
	built.bin, built.sum = bin, sha256.Sum256(bin)
	return built.bin, built.sum, nil
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
	return "", errors.New("testimage: no go command in PATH to build the test app")
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
	if _, err := os.Stat(filepath.Join(root, testappPkg)); err != nil {
		return "", fmt.Errorf("testimage: module %s has no %s: %w", root, testappPkg, err)
	}
	return root, nil
}

package testutil

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the berth binary under test: $BERTH_BIN when set (make
// builds it once), else one built from this module into a temp dir.
func Binary(t testing.TB) string {
	t.Helper()
	p, err := BinaryPath()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// BinaryPath is Binary for callers without a testing.TB (TestMain).
func BinaryPath() (string, error) {
	if p := os.Getenv("BERTH_BIN"); p != "" {
		return p, nil
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "berth-test-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "berth")
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", binPath, "./cmd/berth")
		cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as make builds it: static
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	return binPath, buildErr
}

// RemoveBuiltBinary removes the binary BinaryPath built (none when
// $BERTH_BIN is set); a package's TestMain calls it when its tests are done.
func RemoveBuiltBinary() {
	if binPath != "" && os.Getenv("BERTH_BIN") == "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
}

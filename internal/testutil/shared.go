package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// Shared runs a package's tests against one berth server, started before
// and stopped after them: use it from TestMain as
//
//	func TestMain(m *testing.M) { os.Exit(testutil.Shared(m, &srv)) }
//
// Tests keep out of each other's way by working in their own region (see
// Region), since every region has its own resources.
func Shared(m *testing.M, srv **Server) int {
	dir, err := os.MkdirTemp("", "berth-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	defer RemoveBuiltBinary()
	bin, err := BinaryPath()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s := &Server{Bin: bin, DataDir: filepath.Join(dir, "data"), Log: logFile}
	if err := s.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*srv = s
	code := m.Run()
	s.Drain()
	s.Stop()
	logFile.Close()
	if code != 0 {
		if b, err := os.ReadFile(logFile.Name()); err == nil && len(b) > 0 {
			fmt.Fprintf(os.Stderr, "--- berth server log ---\n%s", b)
		}
	}
	return code
}

var regionSeq atomic.Int64

// Region returns a region name no other test of this process uses, so a
// test sees only its own resources on a shared server.
func Region(t testing.TB) string {
	return fmt.Sprintf("test-%d-%d", os.Getpid()%100000, regionSeq.Add(1))
}

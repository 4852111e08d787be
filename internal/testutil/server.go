// Package testutil starts the real berth binary for tests and gives them
// clients that talk to it as a user's would.
package testutil

import (
	"cmp"
	"context"
	"path/filepath"

	"bufio"
	"errors"
	"fmt"
	"github.com/berth-dev/berth/internal/adminclient"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// TestAccountID is the account tests pin with BERTH_ACCOUNT_ID, so ARNs can
// be asserted.
const TestAccountID = "123456789012"

// Server is a `berth server` process started for tests.
type Server struct {
	Bin     string
	DataDir string
	Env     []string // extra environment for the process
	// ELBHostAddr is the loopback address its load balancer listeners
	// answer on by Host header (set by Start unless Env chose).
	ELBHostAddr string
	Log         io.Writer // the server's stderr
	Endpoint    string
	Region      string
	KeyID       string
	Secret      string
	Account     string
	cmd         *exec.Cmd
	done        chan struct{}
}

// StartServer starts `berth server` on a free loopback port with a
// temporary data dir, logging to the test log, and stops it when the test
// ends.
func StartServer(t testing.TB, env ...string) *Server {
	t.Helper()
	s := &Server{Bin: Binary(t), DataDir: t.TempDir(), Log: testLog{t}, Env: env}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Drain()
		s.Stop()
	})
	return s
}

// Start starts the process (again, after Stop: a restart keeps DataDir).
func (s *Server) Start() error {
	if !slices.ContainsFunc(s.Env, func(e string) bool { return strings.HasPrefix(e, "BERTH_PUBLIC_CIDR=") }) {
		// Servers on one host must not hand out the same public addresses
		// (each routes its own to its tasks): a /24 of the default block
		// each, kept across restarts.
		s.Env = append(s.Env, fmt.Sprintf("BERTH_PUBLIC_CIDR=198.19.%d.0/24", mrand.IntN(256)))
	}
	if !slices.ContainsFunc(s.Env, func(e string) bool { return strings.HasPrefix(e, "BERTH_ELB_HOST_ADDRESSES=") }) {
		// Load balancer listeners on the host (port 80 and the like) must
		// not collide between servers: a loopback address each, kept
		// across restarts; ELBHostAddr names it.
		s.ELBHostAddr = fmt.Sprintf("127.%d.%d.%d", 100+mrand.IntN(100), mrand.IntN(256), 1+mrand.IntN(254))
		s.Env = append(s.Env, "BERTH_ELB_HOST_ADDRESSES="+s.ELBHostAddr)
	}
	level := cmp.Or(os.Getenv("BERTH_TEST_LOG_LEVEL"), "warn") // debug a failing test with info or debug
	cmd := exec.Command(s.Bin, "server", "--listen", "127.0.0.1:0", "--data-dir", s.DataDir, "--log-level", level)
	cmd.Env = append(append(os.Environ(), "BERTH_ACCOUNT_ID="+TestAccountID), s.Env...)
	cmd.Stderr = s.Log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting berth server: %w", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(s.done) }()
	select {
	case line := <-lines:
		return s.parseExport(line)
	case <-s.done:
		return errors.New("berth server exited before it was ready")
	case <-time.After(60 * time.Second):
		s.Stop()
		return errors.New("berth server did not print its endpoint within 60s")
	}
}

// parseExport reads the "export K=V …" line the server prints when ready.
func (s *Server) parseExport(line string) error {
	for _, f := range strings.Fields(strings.TrimPrefix(line, "export ")) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "AWS_ENDPOINT_URL":
			s.Endpoint = v
		case "AWS_ACCESS_KEY_ID":
			s.KeyID = v
		case "AWS_SECRET_ACCESS_KEY":
			s.Secret = v
		case "AWS_DEFAULT_REGION":
			s.Region = v
		}
	}
	if s.Endpoint == "" || s.KeyID == "" {
		return fmt.Errorf("unexpected first line from berth server: %q", line)
	}
	s.Account = TestAccountID
	return nil
}

// Stop terminates the process and waits for it. Safe to call twice.
func (s *Server) Stop() {
	if !s.running() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// running reports whether the process was started and has not exited.
func (s *Server) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Restart stops the server and starts it again on the same data dir.
func (s *Server) Restart() error {
	s.Stop()
	return s.Start()
}

// AWSConfig returns an SDK config for region (the server's default when
// empty) signed with the root key, with the SDK's default retry policy (3
// attempts), as real clients have it. Client errors (4xx) are never
// retried, so tests still see them as they happened. Retries matter for one
// transport flake seen only with the machine's two cores saturated: the Go
// SDK now and then finds the connection closed while decoding a large
// (> 10 KB) EC2 XML response; a raw HTTP client reading the same response
// never does, and the SDK's retry recovers. The cause is not yet known.
func (s *Server) AWSConfig(region string) aws.Config {
	if region == "" {
		region = s.Region
	}
	return aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(s.KeyID, s.Secret, ""),
		BaseEndpoint:     aws.String(s.Endpoint),
		RetryMaxAttempts: 3,
	}
}

// testLog sends the server's log lines to the test log.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.t.Logf("berth: %s", line)
	}
	return len(p), nil
}

// AdminKey is the root key for berth's own /_berth/ endpoints.
func (s *Server) AdminKey() adminclient.Key {
	return adminclient.Key{Endpoint: s.Endpoint, Region: s.Region, AccessKeyID: s.KeyID, SecretAccessKey: s.Secret}
}

// LoadImage loads an image archive into the server's host cache, as
// `berth images load` does.
func (s *Server) LoadImage(t testing.TB, archive string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := adminclient.Call(context.Background(), s.AdminKey(), "POST", "/_berth/images/load", f); err != nil {
		t.Fatalf("loading %s: %v", archive, err)
	}
}

// Drain stops every task the server runs and waits (up to two minutes) until
// their containers, disks and namespaces are gone from the host. Tests call
// it before Stop, since a stopped server leaves tasks running on purpose (a
// restarted one adopts them). It resets the server's state.
func (s *Server) Drain() {
	if !s.running() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := adminclient.Call(ctx, s.AdminKey(), "POST", "/_berth/reset", nil); err != nil {
		return
	}
	tasks := filepath.Join(s.DataDir, "tasks")
	for ctx.Err() == nil {
		entries, err := os.ReadDir(tasks)
		if err != nil || len(entries) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

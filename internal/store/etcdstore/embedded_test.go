package etcdstore

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestOpenLatency reports how long Open of an embedded member takes, new
// and restarted. It logs; it does not judge (performance is measured by
// benchmarks, not timed tests).
func TestOpenLatency(t *testing.T) {
	dir := t.TempDir()
	for _, run := range []string{"new", "restart", "restart again"} {
		start := time.Now()
		s, err := Open(t.Context(), Config{DataDir: dir, Logger: testLogger(t)})
		if err != nil {
			t.Fatalf("Open (%s): %v", run, err)
		}
		opened := time.Since(start)
		if _, err := s.Create(t.Context(), "/k/"+run, []byte("v")); err != nil {
			t.Fatal(err)
		}
		start = time.Now()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: Open %v, Close %v", run, opened, time.Since(start))
	}
}

func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	s := openEmbedded(t, Config{DataDir: dir})
	rev, err := s.Create(t.Context(), "/k", []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.ClientURL(), "unix://"+filepath.Join(dir, socketName); got != want {
		t.Errorf("ClientURL = %q, want %q", got, want)
	}
	wantMode(t, filepath.Join(dir, socketName), 0o600)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openEmbedded(t, Config{DataDir: dir})
	obj, err := s.Get(t.Context(), "/k")
	if err != nil || string(obj.Value) != "v" || obj.Revision != rev {
		t.Fatalf("after restart Get = %+v, %v; want v at %d", obj, err, rev)
	}
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

// longDir returns a directory whose etcd socket path would not fit a unix
// socket address.
func longDir(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	if len(filepath.Join(dir, socketName)) <= maxSocketPath {
		t.Fatal("test directory is not long enough")
	}
	return dir
}

// A data dir too deep for a socket gets a loopback client listener on a
// port the kernel picks, and tools reach the member through it.
func TestLongDataDirListensOnLoopback(t *testing.T) {
	dir := longDir(t)
	s := openEmbedded(t, Config{DataDir: dir})
	u, err := url.Parse(s.ClientURL())
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "0" || u.Port() == "2379" {
		t.Fatalf("ClientURL = %q, want an ephemeral loopback port", s.ClientURL())
	}
	wantMode(t, dir, 0o700)
	if _, err := s.Create(t.Context(), "/k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	c, err := Open(t.Context(), Config{Endpoints: []string{s.ClientURL()}, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if obj, err := c.Get(t.Context(), "/k"); err != nil || string(obj.Value) != "v" {
		t.Fatalf("Get through the client URL = %+v, %v", obj, err)
	}
}

// A data dir moved to a deeper path restarts with a loopback listener in
// place of its socket.
func TestRestartInMovedDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	s := openEmbedded(t, Config{DataDir: dir})
	if _, err := s.Create(t.Context(), "/k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	s.Close()

	moved := longDir(t)
	if err := os.MkdirAll(filepath.Dir(moved), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	s = openEmbedded(t, Config{DataDir: moved})
	if !strings.HasPrefix(s.ClientURL(), "http://127.0.0.1:") {
		t.Errorf("ClientURL = %q, want loopback", s.ClientURL())
	}
	if obj, err := s.Get(t.Context(), "/k"); err != nil || string(obj.Value) != "v" {
		t.Fatalf("after the move Get = %+v, %v", obj, err)
	}
}

// A data dir whose member was created advertising another peer URL (an
// older berth, another listener choice) still starts: etcd reads the
// advertised peer URL only to bootstrap a new cluster.
func TestRestartWithChangedPeerURL(t *testing.T) {
	dir := t.TempDir()
	quiet := new(atomic.Bool)
	ec, err := embedConfig(Config{DataDir: dir, CompactionRetention: time.Hour, QuotaBackendBytes: defaultQuotaBackendBytes}, newZapLogger(testLogger(t), quiet))
	if err != nil {
		t.Fatal(err)
	}
	old, _ := url.Parse("http://127.0.0.1:1")
	ec.AdvertisePeerUrls = []url.URL{*old}
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	m, err := startEmbedded(t.Context(), ec, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.etcd.Server.Cluster().Members()[0].PeerURLs; len(got) != 1 || got[0] != old.String() {
		t.Fatalf("first start advertises %q", got)
	}
	m.stop()

	s := openEmbedded(t, Config{DataDir: dir})
	if _, err := s.Create(t.Context(), "/k", []byte("v")); err != nil {
		t.Fatalf("write after restart: %v", err)
	}
}

func TestTwoMembersOnOneHost(t *testing.T) {
	a := openEmbedded(t, Config{})
	b := openEmbedded(t, Config{})
	if _, err := a.Create(t.Context(), "/k", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(t.Context(), "/k"); err == nil {
		t.Fatal("two members share data")
	}
}

func TestSameDataDirTwice(t *testing.T) {
	dir := t.TempDir()
	openEmbedded(t, Config{DataDir: dir})
	s, err := Open(t.Context(), Config{DataDir: dir, Logger: testLogger(t)})
	if err == nil {
		s.Close()
		t.Fatal("second Open of a data dir in use succeeded")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Open: %v, want a data dir in use", err)
	}
}

// recorder is a slog.Handler that keeps what it is given.
type recorder struct {
	mu      sync.Mutex
	records []string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Level.String()+" "+rec.Message)
	return nil
}

// A normal start, use and stop logs nothing: etcd's chatter stays below
// the error level it is held at, and its shutdown errors are silenced.
func TestQuietLifecycle(t *testing.T) {
	rec := &recorder{}
	dir := t.TempDir()
	for range 2 {
		s, err := Open(t.Context(), Config{DataDir: dir, Logger: slog.New(rec)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		ch := s.Watch(ctx, "/", 0)
		if _, err := s.Create(t.Context(), "/k"+time.Now().String(), []byte("v")); err != nil {
			t.Fatal(err)
		}
		cancel()
		for range ch {
		}
		s.Close()
	}
	if len(rec.records) > 0 {
		t.Errorf("logged:\n%s", strings.Join(rec.records, "\n"))
	}
}

func TestOpenNeitherEndpointsNorDataDir(t *testing.T) {
	if s, err := Open(t.Context(), Config{}); err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
}

// With Endpoints set, DataDir is ignored: no member starts there.
func TestEndpointsWinOverDataDir(t *testing.T) {
	member := openEmbedded(t, Config{})
	dir := filepath.Join(t.TempDir(), "unused")
	s := openEmbedded(t, Config{Endpoints: []string{member.ClientURL()}, DataDir: dir})
	if s.ClientURL() != "" {
		t.Errorf("a client of a cluster has ClientURL %q", s.ClientURL())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("DataDir was touched: %v", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "nothing.sock")
	start := time.Now()
	s, err := Open(t.Context(), Config{Endpoints: []string{"unix://" + sock}, DialTimeout: 300 * time.Millisecond})
	if err == nil {
		s.Close()
		t.Fatal("Open of an unreachable cluster succeeded")
	}
	t.Logf("failed after %v: %v", time.Since(start), err)
}

package logship

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// fakeLogs records what is shipped; fail makes the next n puts fail.
type fakeLogs struct {
	mu       sync.Mutex
	streams  map[string][]agentapi.LogEvent
	prepared []string
	groups   map[string]bool
	fail     int
}

func (f *fakeLogs) PrepareLogStream(_ context.Context, account, region, group, stream string, create bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.groups[group] && !create {
		return os.ErrNotExist
	}
	f.prepared = append(f.prepared, region+"|"+group+"|"+stream)
	return nil
}

func (f *fakeLogs) PutLogEvents(_ context.Context, account, region, group, stream string, ev []agentapi.LogEvent) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return 0, os.ErrDeadlineExceeded
	}
	if !slices.IsSortedFunc(ev, func(a, b agentapi.LogEvent) int { return int(a.Timestamp - b.Timestamp) }) {
		panic("batch out of order")
	}
	if f.streams == nil {
		f.streams = map[string][]agentapi.LogEvent{}
	}
	f.streams[group+"|"+stream] = append(f.streams[group+"|"+stream], ev...)
	return 0, nil
}

func (f *fakeLogs) messages(key string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.streams[key] {
		out = append(out, e.Message)
	}
	return out
}

func TestSourceLines(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out")
	s := &source{path: p}
	if items, err := s.poll(false); err != nil || len(items) != 0 {
		t.Fatalf("missing file: %v %v", items, err)
	}
	os.WriteFile(p, []byte("one\ntwo\r\n\nthr"), 0o600)
	items, _ := s.poll(false)
	if got := msgs(items); !slices.Equal(got, []string{"one", "two"}) {
		t.Fatalf("got %q", got)
	}
	if items[1].end != 9 {
		t.Fatalf("end of two = %d, want 9", items[1].end)
	}
	appendFile(t, p, "ee\nfour")
	items, _ = s.poll(false)
	if got := msgs(items); !slices.Equal(got, []string{"three"}) {
		t.Fatalf("got %q", got)
	}
	items, _ = s.poll(true)
	if got := msgs(items); !slices.Equal(got, []string{"four"}) || items[0].end != 20 {
		t.Fatalf("flush: %q %v", got, items)
	}
}

func TestSourceLongLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out")
	long := strings.Repeat("é", maxMessage) // two bytes each
	os.WriteFile(p, []byte(long+"\n"), 0o600)
	s := &source{path: p}
	items, _ := s.poll(true)
	total := 0
	for _, it := range items {
		if len(it.message) > maxMessage {
			t.Fatalf("event of %d bytes", len(it.message))
		}
		if !strings.HasPrefix(it.message, "é") {
			t.Fatal("split inside a UTF-8 sequence")
		}
		total += len(it.message)
	}
	if total != len(long) || len(items) != 2 {
		t.Fatalf("%d events, %d bytes", len(items), total)
	}
}

func TestSourceMultiline(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out")
	os.WriteFile(p, []byte("INFO a\n  at x\n  at y\nINFO b\nINFO c\n  more\n"), 0o600)
	s := &source{path: p, start: regexp.MustCompile(`^INFO`)}
	items, _ := s.poll(false)
	if got := msgs(items); !slices.Equal(got, []string{"INFO a\n  at x\n  at y", "INFO b"}) {
		t.Fatalf("got %q", got)
	}
	if got := msgs(s.idle()); !slices.Equal(got, []string{"INFO c\n  more"}) {
		t.Fatalf("idle: %q", got)
	}
}

func TestDatetimeRegexp(t *testing.T) {
	re := regexp.MustCompile("^" + datetimeRegexp("%Y-%m-%dT%H:%M:%S"))
	for line, want := range map[string]bool{
		"2026-11-26T05:55:16 started": true,
		"  at frame":                  false,
		"2026-13-26T05:55:16":         false,
	} {
		if re.MatchString(line) != want {
			t.Errorf("%q: match %v", line, !want)
		}
	}
	re = regexp.MustCompile("^" + datetimeRegexp("[%b %d, %Y %H:%M:%S]"))
	if !re.MatchString("[Nov 26, 2026 05:55:16] x") {
		t.Error("bracketed format")
	}
}

func TestShipAndResume(t *testing.T) {
	dir := t.TempDir()
	api := &fakeLogs{groups: map[string]bool{"app": true}}
	spec := &agentapi.TaskSpec{Account: "1", Region: "us-east-1", TaskID: "t1"}
	def := &ecstypes.ContainerDefinition{Name: "web", LogConfiguration: &ecstypes.LogConfiguration{
		LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "app", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "svc"}}}
	out, errf := filepath.Join(dir, "web.stdout.log"), filepath.Join(dir, "web.stderr.log")
	os.WriteFile(out, []byte("hello\n"), 0o600)
	os.WriteFile(errf, []byte("oops\n"), 0o600)

	m := &Manager{API: api, StateDir: filepath.Join(dir, "state")}
	if err := m.Start(ctx, spec, def, out, errf); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(api.prepared, []string{"eu-west-1|app|svc/web/t1"}) {
		t.Fatalf("prepared %v", api.prepared)
	}
	key := "app|svc/web/t1"
	waitUntil(t, func() bool { return len(api.messages(key)) == 2 })

	// The agent goes away; output written meanwhile is shipped by the
	// next one, once.
	m.Close()
	time.Sleep(2 * pollEvery)
	appendFile(t, out, "after restart\nlast line, no newline")
	m2 := &Manager{API: api, StateDir: m.StateDir}
	defer m2.Close()
	api.mu.Lock()
	api.fail = 2 // delivery failures are retried
	api.mu.Unlock()
	if err := m2.Start(ctx, spec, def, out, errf); err != nil {
		t.Fatal(err)
	}
	m2.Finish("t1")
	got := api.messages(key)
	slices.Sort(got)
	if want := []string{"after restart", "hello", "last line, no newline", "oops"}; !slices.Equal(got, want) {
		t.Fatalf("shipped %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(m.StateDir, "t1")); !os.IsNotExist(err) {
		t.Fatalf("offsets left after Finish: %v", err)
	}
}

func TestMissingGroup(t *testing.T) {
	api := &fakeLogs{}
	m := &Manager{API: api, StateDir: t.TempDir()}
	defer m.Close()
	spec := &agentapi.TaskSpec{Account: "1", Region: "us-east-1", TaskID: "t1"}
	def := &ecstypes.ContainerDefinition{Name: "web", LogConfiguration: &ecstypes.LogConfiguration{
		LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "nope", "awslogs-region": "us-east-1"}}}
	if err := m.Start(ctx, spec, def, "/x/out", "/x/err"); err == nil {
		t.Fatal("a missing group without awslogs-create-group must fail the start")
	}
	def.LogConfiguration.Options["awslogs-create-group"] = "true"
	if err := m.Start(ctx, spec, def, "/x/out", "/x/err"); err != nil {
		t.Fatal(err)
	}
	if api.prepared[0] != "us-east-1|nope|web/t1" {
		t.Fatalf("stream without prefix: %v", api.prepared)
	}
	m.Finish("t1")
}

func msgs(items []item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.message)
	}
	return out
}

func appendFile(t *testing.T, p, s string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(s)
	f.Close()
}

var ctx = context.Background()

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

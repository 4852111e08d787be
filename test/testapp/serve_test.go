package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type testServer struct {
	*httptest.Server
	log   *syncBuffer
	exits chan int
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	ts := &testServer{log: &syncBuffer{}, exits: make(chan int, 1)}
	s := newServer(ts.log, func(code int) { ts.exits <- code })
	ts.Server = httptest.NewServer(s.handler())
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) get(t *testing.T, path string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestEcho(t *testing.T) {
	t.Setenv("TESTAPP_ECHO", "hello")
	ts := startServer(t)
	code, body := ts.get(t, "/some/path?q=1", "X-Test", "yes")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	var got echoResponse
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	host, _ := os.Hostname()
	if got.Hostname != host || got.URI != "/some/path?q=1" || got.Method != "GET" {
		t.Errorf("echo = %+v", got)
	}
	if got.Headers.Get("X-Test") != "yes" {
		t.Errorf("headers = %v", got.Headers)
	}
	if got.Env["TESTAPP_ECHO"] != "hello" {
		t.Errorf("env lacks TESTAPP_ECHO: %v", got.Env)
	}
	if !strings.HasPrefix(got.RemoteAddr, "127.0.0.1:") || !strings.HasPrefix(got.LocalAddr, "127.0.0.1:") {
		t.Errorf("addresses: remote %q local %q", got.RemoteAddr, got.LocalAddr)
	}
	if !strings.Contains(ts.log.String(), "GET /some/path?q=1 200 127.0.0.1:") {
		t.Errorf("request log = %q", ts.log.String())
	}
}

func TestHealthFailRecover(t *testing.T) {
	ts := startServer(t)
	steps := []struct {
		path string
		want int
	}{
		{"/health", 200}, {"/fail", 200}, {"/health", 500}, {"/health", 500},
		{"/recover", 200}, {"/health", 200},
	}
	for _, s := range steps {
		if code, body := ts.get(t, s.path); code != s.want {
			t.Fatalf("%s: status %d, want %d (%s)", s.path, code, s.want, body)
		}
	}
	if n := strings.Count(ts.log.String(), "\n"); n != len(steps) {
		t.Errorf("%d log lines for %d requests:\n%s", n, len(steps), ts.log.String())
	}
}

func TestExitRoute(t *testing.T) {
	ts := startServer(t)
	code, body := ts.get(t, "/exit?code=3")
	if code != 200 || body != "exiting with 3\n" {
		t.Fatalf("status %d body %q", code, body)
	}
	select {
	case c := <-ts.exits:
		if c != 3 {
			t.Errorf("exit code %d, want 3", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server did not exit")
	}
	if code, _ := ts.get(t, "/exit?code=x"); code != http.StatusBadRequest {
		t.Errorf("bad code: status %d", code)
	}
}

func TestEnvRoute(t *testing.T) {
	t.Setenv("TESTAPP_ENV", "v=1")
	ts := startServer(t)
	_, body := ts.get(t, "/env")
	var env map[string]string
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	if env["TESTAPP_ENV"] != "v=1" {
		t.Errorf("TESTAPP_ENV = %q", env["TESTAPP_ENV"])
	}
}

func TestMetadataRoute(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"TaskARN":"arn:x","path":"` + r.URL.Path + `"}`))
	}))
	defer upstream.Close()
	ts := startServer(t)

	code, body := ts.get(t, "/metadata?url="+url.QueryEscape(upstream.URL+"/task"))
	if code != 200 || body != `{"TaskARN":"arn:x","path":"/task"}` {
		t.Errorf("url: status %d body %q", code, body)
	}
	if code, _ := ts.get(t, "/metadata?url="+url.QueryEscape(upstream.URL+"/missing")); code != 404 {
		t.Errorf("upstream 404 passed on as %d", code)
	}
	t.Setenv("ECS_CONTAINER_METADATA_URI_V4", upstream.URL+"/v4/abc")
	if code, body := ts.get(t, "/metadata?path=/task"); code != 200 || !strings.Contains(body, `"/v4/abc/task"`) {
		t.Errorf("env default: status %d body %q", code, body)
	}
	if code, _ := ts.get(t, "/metadata?url="+url.QueryEscape("http://127.0.0.1:1/")); code != http.StatusBadGateway {
		t.Errorf("unreachable upstream: status %d, want 502", code)
	}
}

func TestWriteRoute(t *testing.T) {
	ts := startServer(t)
	path := filepath.Join(t.TempDir(), "f")
	code, body := ts.get(t, "/write?mib=2&path="+url.QueryEscape(path))
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 2*mib {
		t.Errorf("file: %v %v", fi, err)
	}
	if code, body := ts.get(t, "/write?mib=1&path=/dev/full"); code != http.StatusInsufficientStorage ||
		!strings.Contains(body, "no space left on device") {
		t.Errorf("/dev/full: status %d body %q", code, body)
	}
	if code, _ := ts.get(t, "/write?mib=1&path="+url.QueryEscape(filepath.Join(path, "x"))); code != 500 {
		t.Errorf("write under a file: status %d, want 500", code)
	}
}

func TestStatusAndSleepRoutes(t *testing.T) {
	ts := startServer(t)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/status?code=503", 503}, {"/status?code=204", 204}, {"/status?code=7", 400},
		{"/sleep?d=20ms", 200}, {"/sleep?d=x", 400},
	} {
		if code, _ := ts.get(t, tc.path); code != tc.want {
			t.Errorf("%s: status %d, want %d", tc.path, code, tc.want)
		}
	}
}

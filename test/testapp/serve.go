package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// cmdServe runs the HTTP server until SIGTERM or SIGINT, then shuts down
// gracefully and exits 0. Routes:
//
//	/                 JSON: hostname, local and remote address, request, headers, env
//	/health           200 "ok", or 500 once /fail was called (until /recover)
//	/fail, /recover   flip /health
//	/exit?code=N      answer, then exit the process with N
//	/env              JSON object of the environment
//	/metadata?url=U   GET U (default $ECS_CONTAINER_METADATA_URI_V4, plus &path=)
//	                  and answer with its status and body; 502 if it failed
//	/write?path=P&mib=N  write N MiB to P and fsync; 507 on ENOSPC, else 500 on error
//	/status?code=N    answer with status N
//	/sleep?d=DUR      answer after DUR
//
// Each request is logged as one line on stdout.
func cmdServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", stderr)
	defPort := 8080
	if p, err := strconv.Atoi(os.Getenv("PORT")); err == nil {
		defPort = p
	}
	port := fs.Int("port", defPort, "TCP port (default $PORT or 8080)")
	if fs.Parse(args) != nil {
		return 2
	}
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(*port))
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return 1
	}
	s := newServer(stdout, func(code int) { os.Exit(code) })
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		sig := (<-sigs).(syscall.Signal)
		s.logf("got %s, shutting down", signalName(sig))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		close(done)
	}()
	s.logf("listening on %s", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "serve:", err)
		return 1
	}
	<-done
	return 0
}

// server holds the state the routes share.
type server struct {
	mu        sync.Mutex // one log line at a time
	out       io.Writer
	exit      func(code int)
	unhealthy atomic.Bool
}

func newServer(out io.Writer, exit func(code int)) *server {
	return &server{out: out, exit: exit}
}

func (s *server) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.out, format+"\n", args...)
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.echo)
	mux.HandleFunc("/health", s.health)
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		s.unhealthy.Store(true)
		fmt.Fprintln(w, "unhealthy")
	})
	mux.HandleFunc("/recover", func(w http.ResponseWriter, r *http.Request) {
		s.unhealthy.Store(false)
		fmt.Fprintln(w, "healthy")
	})
	mux.HandleFunc("/exit", s.exitRoute)
	mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, environ()) })
	mux.HandleFunc("/metadata", s.metadata)
	mux.HandleFunc("/write", s.write)
	mux.HandleFunc("/status", s.status)
	mux.HandleFunc("/sleep", s.sleep)
	return s.logRequests(mux)
}

// echoResponse is what / answers; field names are part of the tests' contract.
type echoResponse struct {
	Hostname   string            `json:"hostname"`
	PID        int               `json:"pid"`
	LocalAddr  string            `json:"local_addr"`
	RemoteAddr string            `json:"remote_addr"`
	Method     string            `json:"method"`
	URI        string            `json:"uri"`
	Host       string            `json:"host"`
	Headers    http.Header       `json:"headers"`
	Env        map[string]string `json:"env"`
}

func (s *server) echo(w http.ResponseWriter, r *http.Request) {
	host, _ := os.Hostname()
	resp := echoResponse{
		Hostname: host, PID: os.Getpid(), RemoteAddr: r.RemoteAddr,
		Method: r.Method, URI: r.RequestURI, Host: r.Host, Headers: r.Header, Env: environ(),
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		resp.LocalAddr = a.String()
	}
	writeJSON(w, resp)
}

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	if s.unhealthy.Load() {
		http.Error(w, "unhealthy", http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, "ok")
}

func (s *server) exitRoute(w http.ResponseWriter, r *http.Request) {
	code, ok := intParam(w, r, "code", 0)
	if !ok {
		return
	}
	fmt.Fprintf(w, "exiting with %d\n", code)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	// Exit after the handler returns so the client gets its answer.
	go func() {
		time.Sleep(100 * time.Millisecond)
		s.logf("exiting with %d", code)
		s.exit(code)
	}()
}

func (s *server) metadata(w http.ResponseWriter, r *http.Request) {
	url := r.URL.Query().Get("url")
	if url == "" {
		url = os.Getenv("ECS_CONTAINER_METADATA_URI_V4") + r.URL.Query().Get("path")
	}
	if url == "" {
		http.Error(w, "no url given and ECS_CONTAINER_METADATA_URI_V4 is not set", http.StatusBadRequest)
		return
	}
	status, body, err := get(url, 10*time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.WriteHeader(status)
	w.Write(body)
}

func (s *server) write(w http.ResponseWriter, r *http.Request) {
	n, ok := intParam(w, r, "mib", 1)
	if !ok {
		return
	}
	path := r.URL.Query().Get("path")
	if err := writeMiB(path, n); err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, syscall.ENOSPC) {
			code = http.StatusInsufficientStorage
		}
		http.Error(w, err.Error(), code)
		return
	}
	writeJSON(w, map[string]any{"path": path, "bytes": n * mib})
}

func (s *server) status(w http.ResponseWriter, r *http.Request) {
	code, ok := intParam(w, r, "code", http.StatusOK)
	if !ok {
		return
	}
	if code < 100 || code > 999 {
		http.Error(w, "code must be 100-999", http.StatusBadRequest)
		return
	}
	w.WriteHeader(code)
	fmt.Fprintln(w, http.StatusText(code))
}

func (s *server) sleep(w http.ResponseWriter, r *http.Request) {
	d, err := time.ParseDuration(r.URL.Query().Get("d"))
	if err != nil {
		http.Error(w, "d: "+err.Error(), http.StatusBadRequest)
		return
	}
	select {
	case <-time.After(d):
		fmt.Fprintf(w, "slept %s\n", d)
	case <-r.Context().Done():
	}
}

// intParam reads an integer query parameter, answering 400 when it is not one.
func intParam(w http.ResponseWriter, r *http.Request, name string, def int) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		http.Error(w, fmt.Sprintf("%s: not an integer: %q", name, v), http.StatusBadRequest)
		return 0, false
	}
	return n, true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// statusRecorder remembers the status code for the request log.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// logRequests logs "METHOD URI STATUS REMOTE DURATION" per request.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.code == 0 {
			rec.code = http.StatusOK
		}
		s.logf("%s %s %d %s %s", r.Method, r.RequestURI, rec.code, r.RemoteAddr, time.Since(start).Round(time.Microsecond))
	})
}

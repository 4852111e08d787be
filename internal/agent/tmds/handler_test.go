package tmds

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testEnv is a handler over two fixture tasks (A and B), with a fake
// clock, a fake /proc/stat and deterministic clock drift.
type testEnv struct {
	src      *fakeSource
	h        *Handler
	clock    *fakeClock
	a, b     *Task
	procStat string
}

func newTestEnv(t *testing.T, opts ...Option) *testEnv {
	t.Helper()
	e := &testEnv{a: fixtureTask(taskIDA, addrA), b: fixtureTask(taskIDB, addrB), clock: &fakeClock{t: t0.Add(time.Minute)}}
	e.src = newFakeSource(e.a, e.b)
	e.h = NewHandler(e.src, opts...)
	e.h.now, e.h.stats.now = e.clock.now, e.clock.now
	e.h.drift = func(now time.Time) *ClockDrift {
		return &ClockDrift{ClockErrorBound: 0.446931, ReferenceTimestamp: now.UTC().Truncate(time.Second), ClockSynchronizationStatus: "SYNCHRONIZED"}
	}
	e.procStat = filepath.Join(t.TempDir(), "stat")
	e.h.stats.procStat = e.procStat
	e.setProcStat(t, 1000)
	e.src.setStats(e.a.Containers[0].DockerID, fixtureStats(2_000_000_000, 64<<20))
	e.src.setNet(taskIDA, map[string]NetCounters{
		"lo":   {RxBytes: 1, TxBytes: 1},
		"eth0": {RxBytes: 10000, RxPackets: 100, TxBytes: 5000, TxPackets: 50, RxDropped: 1},
	})
	return e
}

// setProcStat writes a two-cpu /proc/stat whose cpu line sums to ticks
// (plus a steal time Docker does not count).
func (e *testEnv) setProcStat(t *testing.T, ticks uint64) {
	t.Helper()
	user := ticks - 60
	body := "cpu  " + u(user) + " 10 20 10 5 5 10 999 0 0\ncpu0 1 1 1 1 1 1 1 0 0 0\ncpu1 1 1 1 1 1 1 1 0 0 0\nintr 12345\nctxt 999\n"
	if err := os.WriteFile(e.procStat, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

func (e *testEnv) do(method, caller, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://169.254.170.2"+path, nil)
	r.RemoteAddr = caller + ":40312"
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *testEnv) get(caller, path string) *httptest.ResponseRecorder {
	return e.do("GET", caller, path)
}

// checkGolden compares body, indented, with testdata/name.
func checkGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		t.Fatalf("%s: body is not JSON: %v\n%s", name, err, body)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestMetadataGolden(t *testing.T) {
	app := EndpointID(taskIDA, "app")
	tests := []struct{ path, golden string }{
		{"/v4/" + app, "v4_container.json"},
		{"/v4/" + app + "/task", "v4_task.json"},
		{"/v4/" + app + "/taskWithTags", "v4_task_with_tags.json"},
		{"/v3/" + app, "v3_container.json"},
		{"/v3/" + app + "/task", "v3_task.json"},
		{"/v3/" + app + "/taskWithTags", "v3_task_with_tags.json"},
		{"/v2/metadata", "v3_task.json"},
		{"/v2/metadata/", "v3_task.json"},
		{"/v2/metadataWithTags", "v3_task_with_tags.json"},
		{"/v2/metadataWithTags/", "v3_task_with_tags.json"},
		{"/v2/metadata/" + app, "v3_container.json"},
	}
	e := newTestEnv(t)
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := e.get(addrA, tt.path)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			checkGolden(t, tt.golden, w.Body.Bytes())
		})
	}
}

func TestStatsGolden(t *testing.T) {
	app, side := EndpointID(taskIDA, "app"), EndpointID(taskIDA, "sidecar")
	tests := []struct{ path, golden string }{
		{"/v4/" + app + "/stats", "v4_stats.json"},
		{"/v4/" + side + "/task/stats", "v4_task_stats.json"},
		{"/v3/" + app + "/stats", "v3_stats.json"},
		{"/v3/" + app + "/task/stats", "v3_task_stats.json"},
		{"/v2/stats/" + app, "v3_stats.json"},
		{"/v2/stats", "v3_task_stats.json"},
		{"/v2/stats/", "v3_task_stats.json"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			e := newTestEnv(t)
			if w := e.get(addrA, tt.path); w.Code != http.StatusOK { // the first sample
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			e.clock.add(10 * time.Second)
			e.setProcStat(t, 3000)
			e.src.setStats(e.a.Containers[0].DockerID, fixtureStats(2_500_000_000, 80<<20))
			e.src.setNet(taskIDA, map[string]NetCounters{"lo": {}, "eth0": {RxBytes: 30000, RxPackets: 300, TxBytes: 10000, TxPackets: 90, RxDropped: 1}})
			w := e.get(addrA, tt.path)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			checkGolden(t, tt.golden, w.Body.Bytes())
		})
	}
}

func TestErrors(t *testing.T) {
	appA, appB := EndpointID(taskIDA, "app"), EndpointID(taskIDB, "app")
	sideA := EndpointID(taskIDA, "sidecar")
	const stranger = "172.31.9.9"
	tests := []struct {
		name, caller, path string
		status             int
		body               string
	}{
		{"v4 unknown id", addrA, "/v4/nope", 404, `"V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: nope"`},
		{"v4 empty id", addrA, "/v4/", 404, `"V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: "`},
		{"v4 task unknown", addrA, "/v4/nope/task", 404, `"V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope"`},
		{"v4 taskWithTags unknown", addrA, "/v4/nope/taskWithTags", 404, `"V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope"`},
		{"v4 stats unknown", addrA, "/v4/nope/stats", 404, `"V4 container stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope"`},
		{"v4 task stats unknown", addrA, "/v4/nope/task/stats", 404, `"V4 task stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope"`},
		{"v4 another task's id", addrA, "/v4/" + appB, 404, `"V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ` + appB + `"`},
		{"v4 another task's task", addrA, "/v4/" + appB + "/task", 404, `"V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ` + appB + `"`},
		{"v4 another task's stats", addrA, "/v4/" + appB + "/task/stats", 404, `"V4 task stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ` + appB + `"`},
		{"v4 not a task", stranger, "/v4/" + appA, 404, `"V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ` + appA + `"`},
		{"v4 stats unavailable", addrA, "/v4/" + sideA + "/stats", 500, `"Unable to get container stats for: ` + sideA + `"`},
		{"v4 unknown route", addrA, "/v4/" + appA + "/tasks", 404, `"404 page not found"`},
		{"v3 unknown id", addrA, "/v3/nope", 400, `"V3 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: nope"`},
		{"v3 task unknown", addrA, "/v3/nope/task", 400, `"V3 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope"`},
		{"v3 stats unknown", addrA, "/v3/nope/stats", 400, `"V3 container stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope"`},
		{"v3 task stats unknown", addrA, "/v3/nope/task/stats", 400, `"V3 task stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope"`},
		{"v3 another task's id", addrB, "/v3/" + appA, 400, `"V3 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ` + appA + `"`},
		{"v3 stats unavailable", addrA, "/v3/" + sideA + "/stats", 500, `"Unable to get container stats for: ` + sideA + `"`},
		{"v2 not a task", stranger, "/v2/metadata", 400, `"Unable to get task arn from request: unable to associate '172.31.9.9' with task"`},
		{"v2 tags not a task", stranger, "/v2/metadataWithTags", 400, `"Unable to get task arn from request: unable to associate '172.31.9.9' with task"`},
		{"v2 stats not a task", stranger, "/v2/stats", 400, `"Unable to get task arn from request: unable to associate '172.31.9.9' with task"`},
		{"v2 container stats not a task", stranger, "/v2/stats/" + appA, 400, `"Unable to get task arn from request: unable to associate '172.31.9.9' with task"`},
		{"v2 unknown container", addrA, "/v2/metadata/nope", 400, `"Unable to generate metadata for container 'nope'"`},
		{"v2 another task's container", addrA, "/v2/metadata/" + appB, 400, `"Unable to generate metadata for container '` + appB + `'"`},
		{"v2 unknown stats", addrA, "/v2/stats/nope", 400, `"Unable to get container stats for: nope"`},
		{"v2 another task's stats", addrB, "/v2/stats/" + appA, 400, `"Unable to get container stats for: ` + appA + `"`},
		{"v2 stats unavailable", addrA, "/v2/stats/" + sideA, 400, `"Unable to get container stats for: ` + sideA + `"`},
		{"v2 unknown route", addrA, "/v2/other", 404, `"404 page not found"`},
		{"v2 tags with an id", addrA, "/v2/metadataWithTags/x", 404, `"404 page not found"`},
		{"no route", addrA, "/", 404, `"404 page not found"`},
		{"no id", addrA, "/v4", 404, `"404 page not found"`},
		{"v1 metadata", addrA, "/v1/metadata", 404, `"404 page not found"`},
	}
	e := newTestEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.get(tt.caller, tt.path)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("GET %s from %s: %d %s, want %d %s", tt.path, tt.caller, w.Code, w.Body, tt.status, tt.body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestMethods(t *testing.T) {
	e := newTestEnv(t)
	app := EndpointID(taskIDA, "app")
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		w := e.do(m, addrA, "/v4/"+app)
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d Allow %q, body %s", m, w.Code, w.Header().Get("Allow"), w.Body)
		}
	}
	get := e.get(addrA, "/v4/"+app)
	head := e.do("HEAD", addrA, "/v4/"+app)
	if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") != get.Header().Get("Content-Length") {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %q (GET's %q)", head.Code, head.Body.Len(), head.Header().Get("Content-Length"), get.Header().Get("Content-Length"))
	}
}

func TestTaskStatsNullVsEmpty(t *testing.T) {
	app, side := EndpointID(taskIDA, "app"), EndpointID(taskIDA, "sidecar")
	for _, tt := range []struct {
		path string
		want string
	}{
		{"/v2/stats", "null"},
		{"/v3/" + app + "/task/stats", "null"},
		{"/v4/" + app + "/task/stats", "{}"},
	} {
		e := newTestEnv(t)
		w := e.get(addrA, tt.path)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if len(m) != 2 || string(m[side]) != tt.want || !strings.HasPrefix(string(m[app]), `{"read":`) {
			t.Errorf("%s: %s", tt.path, w.Body)
		}
	}
}

// TestConsumerTypes decodes the v4 payloads as Datadog's and OTel's
// parsers do: container Limits as unsigned integers, task Limits as
// floats, EphemeralStorageMetrics as int64, and stats with the fields the
// OTel receiver dereferences unchecked.
func TestConsumerTypes(t *testing.T) {
	e := newTestEnv(t)
	app := EndpointID(taskIDA, "app")
	var task struct {
		Limits                  map[string]float64
		EphemeralStorageMetrics map[string]int64
		Containers              []struct {
			DockerID string
			Limits   map[string]uint64
			Labels   map[string]string
		}
	}
	dec := json.NewDecoder(e.get(addrA, "/v4/"+app+"/task").Body)
	if err := dec.Decode(&task); err != nil {
		t.Fatalf("Datadog's types: %v", err)
	}
	if task.Limits["CPU"] != 0.25 || task.Limits["Memory"] != 512 || task.EphemeralStorageMetrics["Reserved"] != 20496 {
		t.Errorf("task limits %v, ephemeral %v", task.Limits, task.EphemeralStorageMetrics)
	}
	if len(task.Containers) != 2 || task.Containers[1].Limits["CPU"] != 2 || task.Containers[1].Labels == nil {
		t.Errorf("containers %+v", task.Containers)
	}

	e.get(addrA, "/v4/"+app+"/stats")
	var stats map[string]struct {
		ID       *string `json:"id"`
		CPUStats struct {
			CPUUsage struct {
				TotalUsage        *uint64 `json:"total_usage"`
				UsageInKernelmode *uint64 `json:"usage_in_kernelmode"`
				UsageInUsermode   *uint64 `json:"usage_in_usermode"`
			} `json:"cpu_usage"`
		} `json:"cpu_stats"`
		PreCPUStats struct {
			CPUUsage struct {
				TotalUsage *uint64 `json:"total_usage"`
			} `json:"cpu_usage"`
		} `json:"precpu_stats"`
		Networks map[string]map[string]*uint64 `json:"networks"`
		Rates    struct {
			Rx *float64 `json:"rx_bytes_per_sec"`
			Tx *float64 `json:"tx_bytes_per_sec"`
		} `json:"network_rate_stats"`
		Blkio map[string][]struct{ Value *uint64 } `json:"blkio_stats"`
	}
	if err := json.Unmarshal(e.get(addrA, "/v4/"+app+"/task/stats").Body.Bytes(), &stats); err != nil {
		t.Fatal(err)
	}
	s := stats[app]
	if s.ID == nil || *s.ID != app || s.CPUStats.CPUUsage.TotalUsage == nil || s.CPUStats.CPUUsage.UsageInKernelmode == nil ||
		s.CPUStats.CPUUsage.UsageInUsermode == nil || s.PreCPUStats.CPUUsage.TotalUsage == nil || s.Rates.Rx == nil || s.Rates.Tx == nil {
		t.Errorf("missing cpu fields: %+v", s)
	}
	if len(s.Networks["eth1"]) != 8 || len(s.Networks) != 1 {
		t.Errorf("networks %v", s.Networks)
	}
	for k, list := range s.Blkio {
		if list == nil {
			t.Errorf("blkio %s is null", k)
		}
	}
}

// TestOverHTTP serves a task at 127.0.0.1 over a real connection: the
// caller is found from the connection's address, and HEAD has no body.
func TestOverHTTP(t *testing.T) {
	task := fixtureTask(taskIDA, "127.0.0.1")
	srv := httptest.NewServer(NewHandler(newFakeSource(task)))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v4/" + task.Containers[0].DockerID + "/task")
	if err != nil {
		t.Fatal(err)
	}
	var got TaskResponse
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || got.TaskARN != task.Spec.TaskARN {
		t.Fatalf("GET: %d %v, task %q", resp.StatusCode, err, got.TaskARN)
	}
	resp, err = http.Head(srv.URL + "/v2/metadata")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || resp.ContentLength <= 0 {
		t.Errorf("HEAD: %d %q, length %d", resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength)
	}
}

func TestCallerAddr(t *testing.T) {
	for remote, want := range map[string]string{
		"172.31.42.189:40312":          "172.31.42.189",
		"[::ffff:172.31.42.189]:40312": "172.31.42.189",
		"[fd00::1]:80":                 "fd00::1",
		"pipe":                         "invalid IP",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if got := callerAddr(r).String(); got != want {
			t.Errorf("%s: %s, want %s", remote, got, want)
		}
	}
}

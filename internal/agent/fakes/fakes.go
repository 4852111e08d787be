// Package fakes has in-memory stand-ins for the agent's host hooks (the
// runtime, storage, cgroups, network) and for the control plane, for fast
// unit tests of the agent and the task runner. The integration tests in
// test/tasktest run the same code on real containerd, mounts and cgroups.
package fakes

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/berth-dev/berth/internal/agent/taskrunner"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/runtime"
)

// Runtime is a container runtime whose containers "run" until signalled.
type Runtime struct {
	mu         sync.Mutex
	Containers map[string]*Container
	Images     map[string]runtime.Image
}

// Container is one fake container.
type Container struct {
	Spec    runtime.ContainerSpec
	Started bool
	exit    chan runtime.ExitStatus
	done    bool
	Signals []syscall.Signal
}

// NewRuntime returns a runtime that has the given images.
func NewRuntime(images ...string) *Runtime {
	r := &Runtime{Containers: map[string]*Container{}, Images: map[string]runtime.Image{}}
	for _, name := range images {
		r.Images[name] = runtime.Image{Name: name, Digest: "sha256:" + name}
	}
	return r
}

func (r *Runtime) Image(ctx context.Context, ref string) (runtime.Image, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if img, ok := r.Images[ref]; ok {
		return img, nil
	}
	return runtime.Image{}, runtime.ErrImageNotFound
}

func (r *Runtime) Pull(ctx context.Context, ref string, _ *runtime.Credentials) (runtime.Image, error) {
	return runtime.Image{}, fmt.Errorf("pull %s: no registry here", ref)
}

func (r *Runtime) ImageLowerDirs(ctx context.Context, image, key string) ([]string, error) {
	return []string{"/lower/" + image}, nil
}

func (r *Runtime) RemoveView(ctx context.Context, key string) error { return nil }

func (r *Runtime) Create(ctx context.Context, spec runtime.ContainerSpec) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.Containers[spec.ID]; ok {
		return fmt.Errorf("container %s exists", spec.ID)
	}
	r.Containers[spec.ID] = &Container{Spec: spec, exit: make(chan runtime.ExitStatus, 1)}
	return nil
}

func (r *Runtime) Start(ctx context.Context, id string) (uint32, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.Containers[id]
	if !ok {
		return 0, runtime.ErrNotFound
	}
	c.Started = true
	return 42, nil
}

func (r *Runtime) Wait(ctx context.Context, id string) (<-chan runtime.ExitStatus, error) {
	r.mu.Lock()
	c, ok := r.Containers[id]
	r.mu.Unlock()
	if !ok {
		return nil, runtime.ErrNotFound
	}
	out := make(chan runtime.ExitStatus, 1)
	go func() {
		select {
		case st := <-c.exit:
			c.exit <- st // later waiters see it too
			out <- st
		case <-ctx.Done():
			out <- runtime.ExitStatus{Err: ctx.Err()}
		}
		close(out)
	}()
	return out, nil
}

// Exit makes a container exit with code, as if its process ended.
func (r *Runtime) Exit(id string, code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.Containers[id]; ok && !c.done {
		c.done = true
		c.exit <- runtime.ExitStatus{Code: code, ExitedAt: time.Now()}
	}
}

func (r *Runtime) Signal(ctx context.Context, id string, sig syscall.Signal) error {
	r.mu.Lock()
	c, ok := r.Containers[id]
	if ok {
		c.Signals = append(c.Signals, sig)
	}
	r.mu.Unlock()
	if !ok {
		return runtime.ErrNotFound
	}
	r.Exit(id, 128+int(sig))
	return nil
}

func (r *Runtime) Exec(ctx context.Context, id string, args []string, timeout time.Duration) (int, []byte, error) {
	return 0, nil, nil
}

func (r *Runtime) Delete(ctx context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.Containers, id)
	return nil
}

// ShimGroup is the shim group container id was created in; "" if it does
// not exist.
func (r *Runtime) ShimGroup(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.Containers[id]; ok {
		return c.Spec.ShimGroup
	}
	return ""
}

// Count is how many containers exist.
func (r *Runtime) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.Containers)
}

// Host is the storage, cgroups and network of a fake host: it records which
// tasks have each.
type Host struct {
	mu      sync.Mutex
	Storage map[string]bool
	Cgroups map[string]bool
	Netns   map[string]bool
}

// NewHost returns an empty host.
func NewHost() *Host {
	return &Host{Storage: map[string]bool{}, Cgroups: map[string]bool{}, Netns: map[string]bool{}}
}

func (h *Host) set(m map[string]bool, id string, v bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if v {
		m[id] = true
	} else {
		delete(m, id)
	}
}

// Has reports whether anything of the task is on the host.
func (h *Host) Has(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Storage[id] || h.Cgroups[id] || h.Netns[id]
}

func (h *Host) Create(ctx context.Context, taskID string, sizeGiB int) error {
	h.set(h.Storage, taskID, true)
	return nil
}
func (h *Host) VolumePath(taskID, name string) (string, error) {
	return "/fake/" + taskID + "/volumes/" + name, nil
}
func (h *Host) MountRootfs(ctx context.Context, taskID, container string, lowerdirs []string, target string) error {
	return nil
}
func (h *Host) RootfsPath(taskID, container string) (string, error) {
	return "/fake/" + taskID + "/rootfs/" + container, nil
}
func (h *Host) Destroy(ctx context.Context, taskID string) error {
	h.set(h.Storage, taskID, false)
	return nil
}
func (h *Host) CreateTask(taskID string, cpu, mem int) error {
	h.set(h.Cgroups, taskID, true)
	return nil
}
func (h *Host) DeleteTask(taskID string) error       { h.set(h.Cgroups, taskID, false); return nil }
func (h *Host) Path(taskID, container string) string { return "/fake/" + taskID + "/" + container }
func (h *Host) Setup(ctx context.Context, spec *agentapi.TaskSpec) (taskrunner.TaskNetwork, error) {
	h.set(h.Netns, spec.TaskID, true)
	return taskrunner.TaskNetwork{NetnsPath: "/fake/netns/" + spec.TaskID}, nil
}
func (h *Host) Teardown(ctx context.Context, spec *agentapi.TaskSpec) error {
	h.set(h.Netns, spec.TaskID, false)
	return nil
}

// ControlPlane is an in-memory agentapi.API: tests set assignments and
// read back what the agent reported.
type ControlPlane struct {
	mu       sync.Mutex
	assigned map[string]agentapi.TaskSpec
	States   map[string]agentapi.TaskState
	watchers []chan []agentapi.TaskSpec
	Nodes    []agentapi.Node
}

// NewControlPlane returns a control plane with nothing assigned.
func NewControlPlane() *ControlPlane {
	return &ControlPlane{assigned: map[string]agentapi.TaskSpec{}, States: map[string]agentapi.TaskState{}}
}

func (c *ControlPlane) RegisterNode(ctx context.Context, n agentapi.Node) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Nodes = append(c.Nodes, n)
	return nil
}

func (c *ControlPlane) WatchTasks(ctx context.Context, nodeID string) (<-chan []agentapi.TaskSpec, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan []agentapi.TaskSpec, 64)
	ch <- c.snapshot()
	c.watchers = append(c.watchers, ch)
	go func() {
		<-ctx.Done()
		c.mu.Lock()
		defer c.mu.Unlock()
		close(ch)
		c.watchers = nil
	}()
	return ch, nil
}

func (c *ControlPlane) snapshot() []agentapi.TaskSpec {
	var out []agentapi.TaskSpec
	for _, s := range c.assigned {
		out = append(out, s)
	}
	return out
}

// Assign sets (or replaces) an assignment and tells watchers.
func (c *ControlPlane) Assign(spec agentapi.TaskSpec) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.assigned[spec.TaskARN] = spec
	c.notify()
}

// Unassign removes an assignment (as a reset does).
func (c *ControlPlane) Unassign(arn string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.assigned, arn)
	c.notify()
}

func (c *ControlPlane) notify() {
	for _, w := range c.watchers {
		w <- c.snapshot()
	}
}

func (c *ControlPlane) ReportTask(ctx context.Context, nodeID string, st agentapi.TaskState) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.assigned[st.TaskARN]; !ok {
		return agentapi.ErrUnknownTask
	}
	c.States[st.TaskARN] = st
	if st.LastStatus == "STOPPED" {
		delete(c.assigned, st.TaskARN)
		c.notify()
	}
	return nil
}

// State returns the last reported state of a task.
func (c *ControlPlane) State(arn string) (agentapi.TaskState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.States[arn]
	return st, ok
}

package taskrunner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/agent/shimgroup"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/runtime"
)

// ECS task and container states.
const (
	Pending        = "PENDING"
	Activating     = "ACTIVATING"
	Running        = "RUNNING"
	Deactivating   = "DEACTIVATING"
	Stopping       = "STOPPING"
	Deprovisioning = "DEPROVISIONING"
	Stopped        = "STOPPED"
)

// ECS stop codes.
const (
	StopTaskFailedToStart          = "TaskFailedToStart"
	StopEssentialContainerExited   = "EssentialContainerExited"
	StopUserInitiated              = "UserInitiated"
	reasonEssentialContainerExited = "Essential container in task exited"
	reasonOOM                      = "OutOfMemoryError: Container killed due to memory usage"
)

// Runner runs one task.
type Runner struct {
	spec   agentapi.TaskSpec
	hooks  Hooks
	report Reporter
	log    *slog.Logger
	now    func() time.Time

	mu       sync.Mutex
	state    agentapi.TaskState
	stopReq  chan struct{}
	stopOnce sync.Once
	stopCode string
	stopWhy  string
	done     chan struct{}

	rep    reports
	window time.Duration // ReportWindow; tests shorten it

	// existing are containers of this task found in the runtime when the
	// agent (re)started, with their status: they are adopted, not created
	// again.
	existing map[string]string
	times    map[string]ContainerTimes  // by container name, guarded by mu
	health   map[string]ContainerHealth // by container name, guarded by mu
	events   chan event
	ctrs     []*ctr
	shim     *shimgroup.Member // nil: the task's containers have a shim of their own
}

// ctr is one container's progress.
type ctr struct {
	def     ecstypes.ContainerDefinition
	id      string
	started bool
	exited  bool
	exit    runtime.ExitStatus
	health  string
	killAt  time.Time
}

type event struct {
	name   string
	exit   *runtime.ExitStatus
	health string
}

// New returns a runner for spec; existing names containers already in the
// runtime (a restart of the agent) to adopt.
func New(spec agentapi.TaskSpec, hooks Hooks, report Reporter, log *slog.Logger, existing map[string]string) *Runner {
	r := &Runner{spec: spec, hooks: hooks, report: report, log: log.With("task", spec.TaskID), now: time.Now, window: ReportWindow,
		stopReq: make(chan struct{}), done: make(chan struct{}), existing: existing, events: make(chan event, 16)}
	r.state = agentapi.TaskState{TaskARN: spec.TaskARN, LastStatus: Pending}
	for _, d := range effectiveDefinition(&spec) {
		c := &ctr{def: d, id: ContainerID(spec.TaskID, d.Name)}
		if d.HealthCheck != nil {
			c.health = "UNKNOWN"
		}
		r.ctrs = append(r.ctrs, c)
		r.state.Containers = append(r.state.Containers, agentapi.ContainerState{Name: d.Name, LastStatus: Pending, HealthStatus: c.health})
	}
	return r
}

// Done is closed when the task is STOPPED and cleaned up.
func (r *Runner) Done() <-chan struct{} { return r.done }

// Stop asks the task to stop; the first reason given wins. Safe to call
// many times and from any goroutine.
func (r *Runner) Stop(code, reason string) {
	r.stopOnce.Do(func() {
		r.mu.Lock()
		r.stopCode, r.stopWhy = code, reason
		r.mu.Unlock()
		close(r.stopReq)
	})
}

func (r *Runner) stopping() bool {
	select {
	case <-r.stopReq:
		return true
	default:
		return false
	}
}

func (r *Runner) logDir() string { return filepath.Join(r.hooks.LogDir, r.spec.TaskID) }

// Run drives the task to STOPPED. It returns when everything the task had
// on this host is gone.
func (r *Runner) Run(ctx context.Context) {
	defer close(r.done)
	defer func() {
		if ctx.Err() != nil {
			r.dropReports() // the next agent reports the task afresh
		} else {
			r.flush(ctx)
		}
	}()
	r.mu.Lock()
	r.state.PullStartedAt = r.now()
	r.mu.Unlock()
	r.publish(ctx)
	if err := r.prepare(ctx); err != nil {
		if ctx.Err() != nil {
			return // the agent is going away mid-start; the next one resumes it
		}
		r.log.Warn("task failed to start", "err", err)
		r.Stop(StopTaskFailedToStart, err.Error())
	}
	if !r.stopping() {
		r.setStatus(ctx, Activating, nil)
		r.loop(ctx)
	}
	if ctx.Err() != nil && !r.stopping() {
		return // the agent is going away, not the task: a restarted agent adopts it
	}
	r.shutdown(ctx)
}

// prepare pulls images and makes the task's cgroup, storage, network
// namespace and container root filesystems.
func (r *Runner) prepare(ctx context.Context) error {
	if r.stopping() {
		return nil // stopped before it started: nothing to make
	}
	images := map[string]runtime.Image{}
	for _, c := range r.ctrs {
		if _, ok := images[c.def.Image]; ok {
			continue
		}
		img, err := r.hooks.Runtime.Image(ctx, c.def.Image)
		if errors.Is(err, runtime.ErrImageNotFound) {
			img, err = r.hooks.Runtime.Pull(ctx, c.def.Image, nil)
		}
		if err != nil {
			msg := fmt.Sprintf("CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref %s: %v", c.def.Image, err)
			r.noteContainer(c.def.Name, func(cs *agentapi.ContainerState) { cs.Reason = msg })
			return errors.New(msg)
		}
		images[c.def.Image] = img
		if r.stopping() {
			return nil
		}
	}
	for _, c := range r.ctrs {
		img := images[c.def.Image]
		r.noteContainer(c.def.Name, func(cs *agentapi.ContainerState) { cs.ImageDigest = img.Digest })
	}
	r.setStatus(ctx, Pending, func(st *agentapi.TaskState) { st.PullStoppedAt = r.now() })

	h := r.hooks
	if err := h.Cgroups.CreateTask(r.spec.TaskID, r.spec.CPU, r.spec.MemoryMiB); err != nil {
		return fmt.Errorf("ResourceInitializationError: failed to create the task's cgroup: %w", err)
	}
	if err := h.Storage.Create(ctx, r.spec.TaskID, r.spec.EphemeralGiB); err != nil {
		return fmt.Errorf("ResourceInitializationError: failed to create the task's ephemeral storage: %w", err)
	}
	tn, err := h.Network.Setup(ctx, &r.spec)
	if err != nil {
		return fmt.Errorf("ResourceInitializationError: failed to set up the task's network: %w", err)
	}
	if h.Logs != nil {
		for _, c := range r.ctrs {
			err := h.Logs.Start(ctx, &r.spec, &c.def, r.outputPath(c.def.Name, "stdout"), r.outputPath(c.def.Name, "stderr"))
			if err != nil {
				return fmt.Errorf("ResourceInitializationError: failed to validate logger args: container %s: %w", c.def.Name, err)
			}
		}
	}
	return r.createContainers(ctx, images, tn)
}

// createContainers makes each container's root filesystem and creates it
// in the runtime (not yet started), in the task's shim group.
func (r *Runner) createContainers(ctx context.Context, images map[string]runtime.Image, tn TaskNetwork) error {
	h := r.hooks
	group := r.spec.TaskID // a task with adopted containers keeps a shim of its own
	created := 0
	if h.Shims != nil && len(r.existing) == 0 {
		r.shim = h.Shims.Join()
		group = r.shim.Name()
		defer func() { r.shim.Created(created > 0) }()
	}
	defs := effectiveDefinition(&r.spec)
	for _, c := range r.ctrs {
		if r.existing[c.def.Name] != "" {
			continue
		}
		img := images[c.def.Image]
		// One read-only view per image, shared by every container of it:
		// the lower layers never change, and each view is a write to
		// containerd's metadata.
		lower, err := h.Runtime.ImageLowerDirs(ctx, img.Name, imageViewKey(img))
		if err != nil {
			return fmt.Errorf("ResourceInitializationError: container %s: %w", c.def.Name, err)
		}
		target, err := h.Storage.RootfsPath(r.spec.TaskID, c.def.Name)
		if err != nil {
			return fmt.Errorf("ResourceInitializationError: container %s root filesystem: %w", c.def.Name, err)
		}
		if err := h.Storage.MountRootfs(ctx, r.spec.TaskID, c.def.Name, lower, target); err != nil {
			return fmt.Errorf("ResourceInitializationError: container %s root filesystem: %w", c.def.Name, err)
		}
		cs, err := r.buildSpec(&c.def, img, defs, target, tn)
		if err != nil {
			return fmt.Errorf("CannotCreateContainerError: %w", err)
		}
		cs.ShimGroup = group
		if err := h.Runtime.Create(ctx, cs); err != nil {
			return fmt.Errorf("CannotCreateContainerError: container %s: %w", c.def.Name, err)
		}
		created++
		r.noteTime(c.def.Name, func(t *ContainerTimes) { t.Created = r.now() })
	}
	return nil
}

// loop starts containers as their dependencies allow, then watches them
// until the task must stop.
func (r *Runner) loop(ctx context.Context) {
	for {
		started, err := r.startReady(ctx)
		if err != nil {
			r.Stop(StopTaskFailedToStart, err.Error())
			return
		}
		if !r.maybeRunning(ctx) && started {
			r.publish(ctx) // the containers that started, while others wait
		}
		select {
		case <-r.stopReq:
			return
		case <-ctx.Done():
			return
		case ev := <-r.events:
			if r.handle(ctx, ev) {
				return
			}
		}
	}
}

// handle applies one container event; true means the task must stop.
func (r *Runner) handle(ctx context.Context, ev event) bool {
	c := r.ctr(ev.name)
	if ev.health != "" {
		c.health = ev.health
		r.noteContainer(c.def.Name, func(cs *agentapi.ContainerState) { cs.HealthStatus = ev.health })
		r.setStatus(ctx, "", func(st *agentapi.TaskState) { st.HealthStatus = r.taskHealth() })
		return false
	}
	c.exited, c.exit = true, *ev.exit
	r.noteTime(c.def.Name, func(t *ContainerTimes) { t.Finished = r.now() })
	code := int32(ev.exit.Code)
	r.setContainer(ctx, c.def.Name, func(cs *agentapi.ContainerState) {
		cs.LastStatus, cs.ExitCode = Stopped, &code
		if ev.exit.OOMKilled {
			cs.Reason = reasonOOM
		}
	})
	if essential(&c.def) && !r.stopping() {
		r.Stop(StopEssentialContainerExited, reasonEssentialContainerExited)
		return true
	}
	return false
}

func (r *Runner) ctr(name string) *ctr {
	i := slices.IndexFunc(r.ctrs, func(c *ctr) bool { return c.def.Name == name })
	return r.ctrs[i]
}

// maybeRunning reports RUNNING once every essential container started,
// and says whether it reported.
func (r *Runner) maybeRunning(ctx context.Context) bool {
	r.mu.Lock()
	status := r.state.LastStatus
	r.mu.Unlock()
	if status != Activating {
		return false
	}
	for _, c := range r.ctrs {
		if essential(&c.def) && !c.started {
			return false
		}
	}
	now := r.now()
	r.setStatus(ctx, Running, func(st *agentapi.TaskState) { st.StartedAt, st.ConnectivityAt = now, now })
	return true
}

// imageViewKey names the shared read-only view of an image's layers.
func imageViewKey(img runtime.Image) string { return "berth-image-view/" + img.Digest }

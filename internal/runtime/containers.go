package runtime

import (
	"context"
	"fmt"
	"syscall"

	"github.com/containerd/containerd"
	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"
	"github.com/containerd/containerd/api/types/runc/options"
	tasktypes "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/plugin"
)

// Container states reported by List.
const (
	StatusCreated = "created" // created, not started
	StatusRunning = "running" // running (or paused)
	StatusStopped = "stopped" // exited, or its task is gone (e.g. after a reboot)
)

// ContainerInfo is one container as List sees it.
type ContainerInfo struct {
	ID     string
	Image  string
	Labels map[string]string
	Status string // StatusCreated, StatusRunning or StatusStopped
	Pid    uint32 // 0 unless created or running
}

// Create makes the container and its task (runc create: namespaces, cgroup,
// mounts and the stopped init process), so that Start only has to let it
// run. On failure nothing is left behind.
func (r *Runtime) Create(ctx context.Context, spec ContainerSpec) (retErr error) {
	ctx = r.ctx(ctx)
	if err := spec.validate(r.initPath); err != nil {
		return err
	}
	ci, err := r.getImage(ctx, spec.Image)
	if err != nil {
		return fmt.Errorf("create container %s: %w", spec.ID, err)
	}
	ioc, err := logFiles(spec.StdoutPath, spec.StderrPath)
	if err != nil {
		return fmt.Errorf("create container %s: %w", spec.ID, err)
	}
	opts := []containerd.NewContainerOpts{
		containerd.WithImageName(ci.Name()),
		containerd.WithContainerLabels(spec.Labels),
	}
	var taskOpts []containerd.NewTaskOpts
	if r.runcRoot != "" {
		// runc's state goes with the bundles, on our containerd's tmpfs.
		// The container keeps the option: its shim, and a shim's cleanup
		// after a restart, find it there.
		opts = append(opts, containerd.WithRuntime(plugin.RuntimeRuncV2, &options.Options{Root: r.runcRoot}))
		taskOpts = append(taskOpts, withRuncRoot(r.runcRoot))
	}
	if spec.Rootfs == "" {
		if err := ensureUnpacked(ctx, ci); err != nil {
			return fmt.Errorf("create container %s: %w", spec.ID, err)
		}
		opts = append(opts,
			containerd.WithSnapshotter(snapshotter),
			containerd.WithNewSnapshot(spec.ID, ci))
	}
	// The spec comes last: user lookups read the snapshot made above.
	opts = append(opts, containerd.WithNewSpec(spec.specOpts(r.initPath)...))

	c, err := r.client.NewContainer(ctx, spec.ID, opts...)
	if err != nil {
		if spec.Rootfs == "" && !errdefs.IsAlreadyExists(err) {
			// NewContainer does not undo a snapshot prepared before a later
			// option failed.
			_ = r.client.SnapshotService(snapshotter).Remove(ctx, spec.ID)
		}
		return containerErr("create", spec.ID, err)
	}
	defer func() {
		if retErr != nil {
			if err := c.Delete(context.WithoutCancel(ctx), containerd.WithSnapshotCleanup); err != nil {
				r.log.Warn("cleanup after failed create", "container", spec.ID, "err", err)
			}
		}
	}()
	if _, err := c.NewTask(ctx, ioc, taskOpts...); err != nil {
		return containerErr("create task of", spec.ID, err)
	}
	return nil
}

// withRuncRoot gives a task's runc the state directory root.
func withRuncRoot(root string) containerd.NewTaskOpts {
	return func(_ context.Context, _ *containerd.Client, ti *containerd.TaskInfo) error {
		opts, ok := ti.Options.(*options.Options)
		if ti.Options == nil {
			opts = &options.Options{}
			ti.Options = opts
		} else if !ok {
			return fmt.Errorf("runc root: task options are %T, not runc's", ti.Options)
		}
		opts.Root = root
		return nil
	}
}

// Start runs a created container and returns the pid of its init process
// (in the host's pid namespace).
func (r *Runtime) Start(ctx context.Context, id string) (uint32, error) {
	ctx = r.ctx(ctx)
	t, err := r.task(ctx, id)
	if err != nil {
		return 0, containerErr("start", id, err)
	}
	if err := t.Start(ctx); err != nil {
		return 0, containerErr("start", id, err)
	}
	return t.Pid(), nil
}

// Signal sends sig to the container's init process. A container that has
// exited (or has no task) gives an error wrapping ErrNotFound.
func (r *Runtime) Signal(ctx context.Context, id string, sig syscall.Signal) error {
	ctx = r.ctx(ctx)
	t, err := r.task(ctx, id)
	if err != nil {
		return containerErr("signal", id, err)
	}
	if err := t.Kill(ctx, sig); err != nil {
		return containerErr("signal", id, err)
	}
	return nil
}

// Delete kills the container (SIGKILL to all its processes) if it runs,
// then removes its task, the container and its snapshot. Safe to call twice;
// a missing container is not an error.
func (r *Runtime) Delete(ctx context.Context, id string) error {
	ctx = r.ctx(ctx)
	c, err := r.client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	} else if err != nil {
		return containerErr("delete", id, err)
	}
	t, err := c.Task(ctx, nil)
	switch {
	case err == nil:
		// A task whose init has exited has nothing left to kill (its
		// processes died with its pid namespace): deleting it without
		// WithProcessKill spares a `runc kill --all` per container.
		var opts []containerd.ProcessDeleteOpts
		if st, err := t.Status(ctx); err != nil || st.Status != containerd.Stopped {
			opts = append(opts, containerd.WithProcessKill)
		}
		if _, err := t.Delete(ctx, opts...); err != nil && !errdefs.IsNotFound(err) {
			return containerErr("delete task of", id, err)
		}
	case !errdefs.IsNotFound(err):
		return containerErr("delete", id, err)
	}
	if err := c.Delete(ctx, containerd.WithSnapshotCleanup); err != nil && !errdefs.IsNotFound(err) {
		return containerErr("delete", id, err)
	}
	return nil
}

// List returns every container in the namespace with the state of its task,
// including containers created before a restart of berth.
func (r *Runtime) List(ctx context.Context) ([]ContainerInfo, error) {
	ctx = r.ctx(ctx)
	cs, err := r.client.ContainerService().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	resp, err := r.client.TaskService().List(ctx, &tasksapi.ListTasksRequest{})
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	procs := make(map[string]*tasktypes.Process, len(resp.Tasks))
	for _, p := range resp.Tasks {
		procs[p.ID] = p
	}
	out := make([]ContainerInfo, 0, len(cs))
	for _, c := range cs {
		info := ContainerInfo{ID: c.ID, Image: c.Image, Labels: c.Labels, Status: StatusStopped}
		if p, ok := procs[c.ID]; ok {
			switch p.Status {
			case tasktypes.Status_CREATED:
				info.Status, info.Pid = StatusCreated, p.Pid
			case tasktypes.Status_RUNNING, tasktypes.Status_PAUSED, tasktypes.Status_PAUSING:
				info.Status, info.Pid = StatusRunning, p.Pid
			}
		}
		out = append(out, info)
	}
	return out, nil
}

// task loads the task of container id.
func (r *Runtime) task(ctx context.Context, id string) (containerd.Task, error) {
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.Task(ctx, nil)
}

// Package logship is berth's awslogs log driver: it ships each container's
// stdout and stderr to a CloudWatch Logs stream, as ECS's awslogs driver
// does, through the agent API.
//
// The containerd shim writes a container's output to files (so the
// container never blocks on its logs and nothing is lost while the agent
// is down); a shipper per container reads the files as they grow, cuts
// them into events (lines, or multi-line events by
// awslogs-multiline-pattern or awslogs-datetime-format), and delivers them
// in order in PutLogEvents batches. What was delivered is recorded as
// file offsets, so a restarted agent resumes where it stopped. When the
// container has exited, the shipper reads to the end — its last line too —
// and delivers the rest before the task is reported stopped.
//
// Both awslogs modes behave the same here: "blocking" never blocks the
// container and "non-blocking" never drops output, as the files are the
// buffer; max-buffer-size has nothing to bound.
package logship

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// DrainTimeout bounds how long a stopping task waits for its output to be
// delivered.
const DrainTimeout = 15 * time.Second

// Manager runs the shippers of this host's containers.
type Manager struct {
	API      agentapi.LogsAPI
	StateDir string // shipped offsets, StateDir/<task id>/<container>.awslogs
	Log      *slog.Logger

	mu       sync.Mutex
	shippers map[string][]*shipper // by task id
	ctx      context.Context       // the shippers' lifetime, made by the first Start
	cancel   context.CancelFunc
}

// Close stops every shipper where it is (the agent is going away); their
// offsets let the next agent go on.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cancel != nil {
		m.cancel()
	}
}

// Start begins shipping a container's output if its log configuration
// says awslogs, first making sure its stream exists: an error (its group
// is missing and awslogs-create-group is not set, say) is the task's
// failure to start. Starting a container that already ships is a no-op.
func (m *Manager) Start(ctx context.Context, spec *agentapi.TaskSpec, def *ecstypes.ContainerDefinition, stdout, stderr string) error {
	opts, ok, err := parseOptions(spec, def)
	if !ok || err != nil {
		return err
	}
	m.mu.Lock()
	for _, s := range m.shippers[spec.TaskID] {
		if s.srcs[0].path == stdout {
			m.mu.Unlock()
			return nil
		}
	}
	if m.ctx == nil {
		m.ctx, m.cancel = context.WithCancel(context.Background())
	}
	runCtx := m.ctx
	m.mu.Unlock()
	if err := m.API.PrepareLogStream(ctx, spec.Account, opts.region, opts.group, opts.stream, opts.createGroup); err != nil {
		return fmt.Errorf("failed to create Cloudwatch log stream: %w", err)
	}
	s := &shipper{
		api: m.API, account: spec.Account, opts: opts,
		srcs:   [2]*source{{path: stdout, start: opts.start}, {path: stderr, start: opts.start}},
		state:  statePath(m.StateDir, spec.TaskID, def.Name),
		log:    cmp.Or(m.Log, slog.Default()).With("task", spec.TaskID, "container", def.Name),
		now:    time.Now,
		finish: make(chan time.Time, 1),
		done:   make(chan struct{}),
	}
	if err := os.MkdirAll(filepath.Dir(s.state), 0o700); err != nil {
		return err
	}
	s.loadOffsets()
	m.mu.Lock()
	if m.shippers == nil {
		m.shippers = map[string][]*shipper{}
	}
	m.shippers[spec.TaskID] = append(m.shippers[spec.TaskID], s)
	m.mu.Unlock()
	go s.run(runCtx)
	return nil
}

// Finish delivers what is left of a task's output (its containers have
// exited) and stops its shippers, waiting at most DrainTimeout. Its
// offsets are removed: the task is done.
func (m *Manager) Finish(taskID string) {
	m.mu.Lock()
	ss := m.shippers[taskID]
	delete(m.shippers, taskID)
	m.mu.Unlock()
	deadline := time.Now().Add(DrainTimeout)
	for _, s := range ss {
		s.finish <- deadline
	}
	for _, s := range ss {
		<-s.done
	}
	_ = os.RemoveAll(filepath.Join(m.StateDir, taskID))
}

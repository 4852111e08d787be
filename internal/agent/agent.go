// Package agent is berth's node agent: it registers the host's capacity,
// watches the tasks the control plane assigns to it, runs each with a
// taskrunner, and on start re-adopts the tasks still running from before a
// restart and removes what belongs to no task. It talks to the control
// plane only through agentapi.API.
package agent

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/agent/taskrunner"
	"github.com/berth-dev/berth/internal/agentapi"
)

// Host lists what this host has of each task, for re-adoption and orphan
// cleanup.
type Host interface {
	// Containers returns, per task id, its containers' names and runtime
	// status ("created", "running", "stopped").
	Containers(ctx context.Context) (map[string]map[string]string, error)
	// Leftovers returns the task ids that have storage, a cgroup or a
	// network namespace on this host.
	Leftovers(ctx context.Context) ([]string, error)
	// Remove deletes everything of a task on this host; idempotent.
	Remove(ctx context.Context, taskID string, containers []string) error
}

// Config is an agent's wiring.
type Config struct {
	Node  agentapi.Node
	API   agentapi.API
	Hooks taskrunner.Hooks
	Host  Host
	Log   *slog.Logger
}

// Agent runs the tasks assigned to one node.
type Agent struct {
	cfg      Config
	mu       sync.Mutex
	runners  map[string]*taskrunner.Runner // by task ARN
	finished map[string]time.Time          // ARNs reported STOPPED, until their assignment goes
	wg       sync.WaitGroup
}

// New returns an agent.
func New(cfg Config) *Agent {
	return &Agent{cfg: cfg, runners: map[string]*taskrunner.Runner{}, finished: map[string]time.Time{}}
}

// Run registers the node and runs assigned tasks until ctx ends. Tasks
// keep running when it returns: a restarted agent adopts them.
func (a *Agent) Run(ctx context.Context) error {
	if err := a.cfg.API.RegisterNode(ctx, a.cfg.Node); err != nil {
		return err
	}
	watch, err := a.cfg.API.WatchTasks(ctx, a.cfg.Node.ID)
	if err != nil {
		return err
	}
	first := true
	for specs := range watch {
		var existing map[string]map[string]string
		if first {
			existing = a.adopt(ctx, specs)
			first = false
		}
		a.reconcile(ctx, specs, existing)
	}
	a.wg.Wait()
	return ctx.Err()
}

// adopt finds the containers of assigned tasks left running by a previous
// agent, and removes everything of tasks that are no longer assigned.
func (a *Agent) adopt(ctx context.Context, specs []agentapi.TaskSpec) map[string]map[string]string {
	log := a.cfg.Log
	containers, err := a.cfg.Host.Containers(ctx)
	if err != nil {
		log.Error("listing containers to adopt", "err", err)
		return nil
	}
	assigned := map[string]bool{}
	for _, s := range specs {
		assigned[s.TaskID] = true
	}
	leftovers, err := a.cfg.Host.Leftovers(ctx)
	if err != nil {
		log.Error("listing leftovers", "err", err)
	}
	for id := range containers {
		leftovers = append(leftovers, id)
	}
	removed := map[string]bool{}
	for _, id := range leftovers {
		if assigned[id] || removed[id] {
			continue
		}
		removed[id] = true
		var names []string
		for name := range containers[id] {
			names = append(names, name)
		}
		log.Info("removing what belongs to no task", "task", id)
		if err := a.cfg.Host.Remove(ctx, id, names); err != nil {
			log.Warn("removing leftover task", "task", id, "err", err)
		}
	}
	return containers
}

// reconcile starts runners for new tasks and stops those the control plane
// wants stopped or no longer assigns.
func (a *Agent) reconcile(ctx context.Context, specs []agentapi.TaskSpec, existing map[string]map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := map[string]bool{}
	for _, spec := range specs {
		seen[spec.TaskARN] = true
		if _, done := a.finished[spec.TaskARN]; done {
			continue
		}
		r := a.runners[spec.TaskARN]
		if r == nil {
			r = taskrunner.New(spec, a.cfg.Hooks, a.reporter(), a.cfg.Log, existing[spec.TaskID])
			a.runners[spec.TaskARN] = r
			a.wg.Add(1)
			go a.run(ctx, spec.TaskARN, r)
		}
		if spec.DesiredStatus == "STOPPED" {
			r.Stop(spec.StopCode, spec.StoppedReason)
		}
	}
	for arn, r := range a.runners {
		if !seen[arn] {
			r.Stop(taskrunner.StopUserInitiated, "Task no longer exists")
		}
	}
	for arn, at := range a.finished {
		if !seen[arn] || time.Since(at) > time.Hour {
			delete(a.finished, arn)
		}
	}
}

func (a *Agent) run(ctx context.Context, arn string, r *taskrunner.Runner) {
	defer a.wg.Done()
	r.Run(ctx)
	a.mu.Lock()
	delete(a.runners, arn)
	if ctx.Err() == nil {
		a.finished[arn] = time.Now()
	}
	a.mu.Unlock()
}

func (a *Agent) reporter() taskrunner.Reporter {
	return func(ctx context.Context, st agentapi.TaskState) error {
		return a.cfg.API.ReportTask(ctx, a.cfg.Node.ID, st)
	}
}

// Runners returns the task runners of this host, for the endpoints that
// answer tasks (the task metadata endpoint).
func (a *Agent) Runners() []*taskrunner.Runner {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]*taskrunner.Runner, 0, len(a.runners))
	for _, r := range a.runners {
		out = append(out, r)
	}
	return out
}

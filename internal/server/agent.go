package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/agent"
	"github.com/berth-dev/berth/internal/agent/cgroups"
	"github.com/berth-dev/berth/internal/agent/logship"
	"github.com/berth-dev/berth/internal/agent/shimgroup"
	"github.com/berth-dev/berth/internal/agent/storage"
	"github.com/berth-dev/berth/internal/agent/tasknet"
	"github.com/berth-dev/berth/internal/agent/taskrunner"
	"github.com/berth-dev/berth/internal/agent/tmds"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/runtime"
)

// AgentConfig is how the embedded agent reaches containerd.
type AgentConfig struct {
	ContainerdAddress   string // "" = the system socket if it answers, else our own containerd
	ContainerdNamespace string // also the cgroup parent; default "berth"
	// NodeCPU and NodeMemoryMiB declare the capacity tasks may reserve on
	// this host; 0 = the host's cores × 1024 and its memory less a reserve.
	// Declaring more overcommits (CPU is shared fairly by quota; memory is
	// not, so overcommit it only for tasks that use less than they ask).
	NodeCPU, NodeMemoryMiB int
	// EphemeralMiBPerGiB scales tasks' ephemeral storage for tests, so
	// that a test can fill a "21 GiB" disk in a moment; 0 = 1024.
	EphemeralMiBPerGiB int
}

// embeddedAgent is the agent `berth server` runs for its own host.
type embeddedAgent struct {
	rt      *runtime.Runtime
	agent   *agent.Agent
	cgroups *cgroups.Manager
	net     *tasknet.Manager
	logs    *logship.Manager
	meta    *tmds.Handler
	outputs []string // dirs with a subdir of output per task
}

// newAgent opens the runtime and builds the agent; it does not start it.
func (s *Server) newAgent(ctx context.Context, api agentapi.API, logsAPI agentapi.LogsAPI) (*embeddedAgent, error) {
	cfg := s.cfg.Agent
	if os.Geteuid() != 0 {
		return nil, errors.New("running tasks needs root (containerd, cgroups, mounts and network namespaces); start berth server as root, or with --no-agent to serve the API only")
	}
	ns := cfg.ContainerdNamespace
	if ns == "" {
		ns = "berth"
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	rt, err := runtime.Open(ctx, runtime.Config{
		// berth itself is the init of initProcessEnabled containers: it is
		// built static (CGO_ENABLED=0) so it runs in any image.
		InitPath:  self,
		Address:   cfg.ContainerdAddress,
		Namespace: ns,
		StateDir:  filepath.Join(s.cfg.DataDir, "containerd"),
		Log:       s.log.With("component", "containerd"),
	})
	if err != nil {
		return nil, err
	}
	nodeID, err := nodeID(s.cfg.DataDir)
	if err != nil {
		rt.Close()
		return nil, err
	}
	st := &scaledStorage{Manager: &storage.Manager{Root: filepath.Join(s.cfg.DataDir, "tasks"), Log: s.log}, mibPerGiB: cfg.EphemeralMiBPerGiB}
	cg := &cgroups.Manager{Parent: ns}
	tn := &tasknet.Manager{NodeID: nodeID, Dir: filepath.Join(s.cfg.DataDir, "network"), Log: s.log.With("component", "network"), Policy: s.ec2}
	if err := tn.Prune(ctx); err != nil {
		s.log.Warn("removing unused VPC routers", "err", err)
	}
	creds, err := newTaskCreds(s.store, s.iam, s.cfg.DataDir)
	if err != nil {
		rt.Close()
		return nil, err
	}
	ls := &logship.Manager{API: logsAPI, StateDir: filepath.Join(s.cfg.DataDir, "logship"), Log: s.log.With("component", "awslogs")}
	logDir := filepath.Join(s.cfg.DataDir, "logs")
	outputs := []string{logDir, ls.StateDir}
	hooks := taskrunner.Hooks{
		Runtime: runtimeHooks{rt},
		Storage: st,
		Cgroups: cg,
		Network: tn,
		Logs:    ls,
		Shims:   shimgroup.New(shimgroup.DefaultSize, shimgroup.DefaultMaxJoining),
		LogDir:  logDir,
		NodeID:  nodeID,
		Env:     creds.taskEnv,
	}
	node := agentapi.Node{ID: nodeID, AvailabilityZone: s.cfg.Region + "a", CPU: goruntime.NumCPU() * 1024, MemoryMiB: hostMemoryMiB()}
	if cfg.NodeCPU > 0 {
		node.CPU = cfg.NodeCPU
	}
	if cfg.NodeMemoryMiB > 0 {
		node.MemoryMiB = cfg.NodeMemoryMiB
	}
	a := agent.New(agent.Config{
		Node: node, API: api, Hooks: hooks, Log: s.log.With("component", "agent"),
		Host: &host{rt: rt, storage: st.Manager, cgroups: cg, net: tn, outputs: outputs},
	})
	meta := tmds.NewHandler(&taskMeta{agent: a, cgroups: cg, creds: creds}, tmds.WithLogger(s.log.With("component", "metadata")))
	return &embeddedAgent{rt: rt, agent: a, cgroups: cg, net: tn, logs: ls, meta: meta, outputs: outputs}, nil
}

// taskEnv is what the platform gives every container, as Fargate does
// (its task role's credentials endpoint among it), and, as LocalStack
// does, where its SDKs find the API: berth's, served in its VPC.
func (c *taskCreds) taskEnv(spec *agentapi.TaskSpec, container string) []string {
	env := append([]string{
		"AWS_REGION=" + spec.Region,
		"AWS_DEFAULT_REGION=" + spec.Region,
	}, tmds.Env(tmds.EndpointID(spec.TaskID, container), c.ID(spec))...)
	if spec.ENI != nil {
		env = append(env, fmt.Sprintf("AWS_ENDPOINT_URL=http://%s:%d", tasknet.MetadataAddr, tasknet.APIPort))
	}
	return env
}

// nodeID is this host's id, made once and kept in the data dir.
func nodeID(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "node-id")
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := "node-" + hex.EncodeToString(b[:])
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing node id: %w", err)
	}
	return id, nil
}

// hostMemoryMiB is what tasks may reserve: the host's memory less a reserve
// for the host itself (10%, at least 512 MiB).
func hostMemoryMiB() int {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kib, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			total := kib / 1024
			return total - max(512, total/10)
		}
	}
	return 0
}

// runtimeHooks adds what the task runner needs to the runtime.
type runtimeHooks struct{ *runtime.Runtime }

func (r runtimeHooks) ImageLowerDirs(ctx context.Context, image, key string) ([]string, error) {
	mounts, err := r.ImageRootfsMounts(ctx, image, key)
	if err != nil {
		return nil, err
	}
	return runtime.LowerDirs(mounts)
}

// scaledStorage is the storage manager with the test scale applied.
type scaledStorage struct {
	*storage.Manager
	mibPerGiB int
}

func (s *scaledStorage) Create(ctx context.Context, taskID string, sizeGiB int) error {
	var err error
	if s.mibPerGiB > 0 {
		_, err = s.Manager.CreateBytes(ctx, taskID, int64(sizeGiB)*int64(s.mibPerGiB)<<20)
	} else {
		_, err = s.Manager.Create(ctx, taskID, sizeGiB)
	}
	return err
}

// host is what the agent finds of tasks on this host.
type host struct {
	rt      *runtime.Runtime
	storage *storage.Manager
	cgroups *cgroups.Manager
	net     *tasknet.Manager
	outputs []string // dirs with a subdir per task: its output files, its shipping offsets
}

func (h *host) Containers(ctx context.Context) (map[string]map[string]string, error) {
	infos, err := h.rt.List(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, c := range infos {
		task, name := c.Labels[taskrunner.LabelTaskID], c.Labels[taskrunner.LabelContainer]
		if task == "" || name == "" {
			continue
		}
		if out[task] == nil {
			out[task] = map[string]string{}
		}
		out[task][name] = c.Status
	}
	return out, nil
}

func (h *host) Leftovers(ctx context.Context) ([]string, error) {
	ids, err := h.storage.List()
	if err != nil {
		return nil, err
	}
	cg, err := h.cgroups.ListTasks()
	if err != nil {
		return nil, err
	}
	nets, err := h.net.List()
	return append(append(ids, cg...), nets...), err
}

func (h *host) Remove(ctx context.Context, taskID string, containers []string) error {
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, name := range containers {
		keep(h.rt.Delete(ctx, taskrunner.ContainerID(taskID, name)))
		keep(h.rt.RemoveView(ctx, taskrunner.ContainerID(taskID, name)))
	}
	keep(h.net.Remove(ctx, taskID))
	keep(h.storage.Destroy(ctx, taskID))
	keep(h.cgroups.DeleteTask(taskID))
	for _, dir := range h.outputs {
		keep(os.RemoveAll(filepath.Join(dir, taskID)))
	}
	return firstErr
}

// close lets go of the runtime (tasks keep running) and, when no task is
// left on the host, removes the server's parent cgroup.
func (e *embeddedAgent) close(log *slog.Logger) {
	e.logs.Close()
	e.net.Close()
	if err := e.rt.Close(); err != nil {
		log.Warn("closing the container runtime", "err", err)
	}
	if _, err := e.cgroups.RemoveParent(); err != nil {
		log.Warn("removing the parent cgroup", "err", err)
	}
}

package runtime

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/identifiers"
	"github.com/containerd/containerd/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// InitMountPath is where Config.InitPath appears in containers that ask for
// Init; the container then runs InitMountPath, "init", "--", Args….
const InitMountPath = "/.berth-init"

// ContainerSpec describes one ECS container for Create. The caller has
// already resolved ECS semantics (argv via ResolveArgs, merged environment,
// task-level cgroup parent, volumes, network namespace).
type ContainerSpec struct {
	ID     string            // unique containerd id ([A-Za-z0-9_.-], ≤ 76 bytes)
	Image  string            // a reference already present (Pull or ImportArchive)
	Labels map[string]string // stored on the container; List returns them

	Args     []string // full argv
	Env      []string // KEY=VALUE; PATH defaults to the usual one when absent
	Cwd      string   // "" = "/"
	User     string   // "uid", "uid:gid", "name" or "name:group", resolved in the rootfs; "" = root
	Hostname string   // "" = the first 12 bytes of ID, as Docker does

	// CgroupsPath is the cgroup (v1: the same path under every controller),
	// e.g. "/berth/<task-id>/<container-name>"; the caller creates the
	// parent with task-level limits. "" = "/<namespace>/<id>".
	CgroupsPath       string
	CPUShares         uint64 // 0 = the kernel's default (1024)
	MemoryLimit       int64  // hard limit in bytes, no swap on top; 0 = none
	MemoryReservation int64  // soft limit in bytes; 0 = none

	ReadonlyRootfs bool
	Mounts         []Mount // bind mounts, in order

	// Rootfs, if set, is an already mounted root filesystem directory used
	// instead of a snapshot of Image (the caller's overlay on the task's
	// ephemeral storage). The caller unmounts it after Delete.
	Rootfs string

	NetNSPath string   // join this network namespace; "" = a new, empty one
	Ulimits   []Ulimit // ECS names: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack
	Init      bool     // run Config.InitPath as PID 1 (ECS initProcessEnabled)

	// StdoutPath and StderrPath are files the container's output is
	// appended to (created if missing; the same path twice interleaves both
	// streams). The shim writes them, so output keeps flowing while berth is
	// down. "" discards the stream. The last bytes may land shortly after
	// Wait reports the exit; they are all there once Delete returns.
	StdoutPath string
	StderrPath string

	// ShimGroup, if set, puts the container in the containerd shim of every
	// other container with the same group (as a Kubernetes pod's containers
	// share one), instead of a shim of its own. The shim exits when its last
	// container is deleted: the caller must not create into a group whose
	// last container is being deleted (internal/agent/shimgroup).
	ShimGroup string
}

// Mount is a bind mount of a host path into the container.
type Mount struct {
	Source      string
	Destination string
	ReadOnly    bool
}

// Ulimit is one resource limit by its ECS name.
type Ulimit struct {
	Name       string
	Soft, Hard int64
}

// rlimitTypes maps ECS ulimit names to the OCI spec's.
var rlimitTypes = map[string]string{
	"core": "RLIMIT_CORE", "cpu": "RLIMIT_CPU", "data": "RLIMIT_DATA",
	"fsize": "RLIMIT_FSIZE", "locks": "RLIMIT_LOCKS", "memlock": "RLIMIT_MEMLOCK",
	"msgqueue": "RLIMIT_MSGQUEUE", "nice": "RLIMIT_NICE", "nofile": "RLIMIT_NOFILE",
	"nproc": "RLIMIT_NPROC", "rss": "RLIMIT_RSS", "rtprio": "RLIMIT_RTPRIO",
	"rttime": "RLIMIT_RTTIME", "sigpending": "RLIMIT_SIGPENDING", "stack": "RLIMIT_STACK",
}

// validate checks what can be checked before anything is created.
func (s *ContainerSpec) validate(initPath string) error {
	if err := identifiers.Validate(s.ID); err != nil {
		return fmt.Errorf("container id: %w", err)
	}
	var errs []error
	if s.Image == "" {
		errs = append(errs, errors.New("no image"))
	}
	if len(s.Args) == 0 {
		errs = append(errs, errors.New("no command to run (empty args)"))
	}
	if s.Rootfs != "" && !filepath.IsAbs(s.Rootfs) {
		errs = append(errs, fmt.Errorf("rootfs %q is not an absolute path", s.Rootfs))
	}
	for _, m := range s.Mounts {
		if !filepath.IsAbs(m.Source) || !filepath.IsAbs(m.Destination) {
			errs = append(errs, fmt.Errorf("mount %s:%s: paths must be absolute", m.Source, m.Destination))
		}
	}
	for _, u := range s.Ulimits {
		if _, ok := rlimitTypes[u.Name]; !ok {
			errs = append(errs, fmt.Errorf("unknown ulimit %q", u.Name))
		} else if u.Soft < 0 || u.Hard < 0 || u.Soft > u.Hard {
			errs = append(errs, fmt.Errorf("ulimit %s: need 0 <= soft (%d) <= hard (%d)", u.Name, u.Soft, u.Hard))
		}
	}
	if s.MemoryLimit < 0 || s.MemoryReservation < 0 {
		errs = append(errs, errors.New("negative memory limit"))
	}
	if s.Init && initPath == "" {
		errs = append(errs, errors.New("init process requested but the runtime has no InitPath"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("container %s: %w", s.ID, errors.Join(errs...))
	}
	return nil
}

// shimGroupAnnotation is the OCI annotation containerd-shim-runc-v2 groups
// containers by.
const shimGroupAnnotation = "io.containerd.runc.v2.group"

// specOpts turns s into OCI spec options applied on top of containerd's
// default Linux spec (Docker's default capabilities, masked paths, devices).
// Order matters: the root path must be set before user lookups read it.
func (s *ContainerSpec) specOpts(initPath string) []oci.SpecOpts {
	var opts []oci.SpecOpts
	if s.ShimGroup != "" {
		opts = append(opts, oci.WithAnnotations(map[string]string{shimGroupAnnotation: s.ShimGroup}))
	}
	if s.Rootfs != "" {
		opts = append(opts, oci.WithRootFSPath(s.Rootfs))
	}
	args := s.Args
	if s.Init {
		args = append([]string{InitMountPath, "init", "--"}, args...)
		opts = append(opts, oci.WithMounts([]specs.Mount{bindMount(initPath, InitMountPath, true)}))
	}
	opts = append(opts,
		oci.WithProcessArgs(args...),
		withEnv(s.Env),
		oci.WithProcessCwd(defaultString(s.Cwd, "/")),
		oci.WithHostname(defaultString(s.Hostname, s.ID[:min(12, len(s.ID))])),
		// Docker runs containers without no_new_privs, so setuid binaries work.
		func(_ context.Context, _ oci.Client, _ *containers.Container, sp *oci.Spec) error {
			sp.Process.NoNewPrivileges = false
			return nil
		},
		// Docker has no tmpfs on /run; images may ship files there.
		oci.WithoutRunMount,
	)
	if s.User != "" {
		name, _, _ := strings.Cut(s.User, ":")
		opts = append(opts, oci.WithUser(s.User), oci.WithAdditionalGIDs(name))
	}
	if s.CgroupsPath != "" {
		opts = append(opts, oci.WithCgroup(s.CgroupsPath))
	}
	if s.CPUShares > 0 {
		opts = append(opts, oci.WithCPUShares(s.CPUShares))
	}
	if s.MemoryLimit > 0 {
		opts = append(opts, oci.WithMemoryLimit(uint64(s.MemoryLimit)))
		if memswAvailable() {
			// memory+swap = memory: no swap, as on Fargate.
			opts = append(opts, oci.WithMemorySwap(s.MemoryLimit))
		}
	}
	if s.MemoryReservation > 0 {
		opts = append(opts, withMemoryReservation(s.MemoryReservation))
	}
	if s.ReadonlyRootfs {
		opts = append(opts, oci.WithRootFSReadonly())
	}
	if len(s.Mounts) > 0 {
		ms := make([]specs.Mount, 0, len(s.Mounts))
		for _, m := range s.Mounts {
			ms = append(ms, bindMount(m.Source, m.Destination, m.ReadOnly))
		}
		opts = append(opts, oci.WithMounts(ms))
	}
	if s.NetNSPath != "" {
		opts = append(opts, oci.WithLinuxNamespace(specs.LinuxNamespace{
			Type: specs.NetworkNamespace, Path: s.NetNSPath,
		}))
	}
	if len(s.Ulimits) > 0 {
		opts = append(opts, withUlimits(s.Ulimits))
	}
	return opts
}

func bindMount(src, dst string, ro bool) specs.Mount {
	mode := "rw"
	if ro {
		mode = "ro"
	}
	return specs.Mount{
		Type:        "bind",
		Source:      src,
		Destination: dst,
		Options:     []string{"rbind", "rprivate", mode},
	}
}

// defaultPath is the PATH a container gets when its environment has none,
// as with Docker.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// withEnv sets the environment to env (containerd's default spec has none),
// with defaultPath when env lacks PATH.
func withEnv(env []string) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		out := make([]string, 0, len(env)+1)
		hasPath := false
		for _, kv := range env {
			hasPath = hasPath || strings.HasPrefix(kv, "PATH=")
		}
		if !hasPath {
			out = append(out, defaultPath)
		}
		s.Process.Env = append(out, env...)
		return nil
	}
}

func withMemoryReservation(bytes int64) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		if s.Linux == nil {
			s.Linux = &specs.Linux{}
		}
		if s.Linux.Resources == nil {
			s.Linux.Resources = &specs.LinuxResources{}
		}
		if s.Linux.Resources.Memory == nil {
			s.Linux.Resources.Memory = &specs.LinuxMemory{}
		}
		s.Linux.Resources.Memory.Reservation = &bytes
		return nil
	}
}

// withUlimits sets each limit, replacing the default spec's of the same
// type (it has RLIMIT_NOFILE 1024).
func withUlimits(ul []Ulimit) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		for _, u := range ul {
			rl := specs.POSIXRlimit{Type: rlimitTypes[u.Name], Soft: uint64(u.Soft), Hard: uint64(u.Hard)}
			replaced := false
			for i := range s.Process.Rlimits {
				if s.Process.Rlimits[i].Type == rl.Type {
					s.Process.Rlimits[i], replaced = rl, true
				}
			}
			if !replaced {
				s.Process.Rlimits = append(s.Process.Rlimits, rl)
			}
		}
		return nil
	}
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

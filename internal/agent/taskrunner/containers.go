package taskrunner

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/runtime"
)

// Container labels, so that a restarted agent finds what is its own.
const (
	LabelTask      = "berth.task-arn"
	LabelTaskID    = "berth.task-id"
	LabelContainer = "berth.container"
	LabelNode      = "berth.node"
)

// ContainerID is the runtime id of a task's container.
func ContainerID(taskID, name string) string { return taskID + "-" + name }

// effectiveDefinition applies a task's container overrides to its
// definition: command, environment (merged by name, override wins), cpu,
// memory and memoryReservation.
func effectiveDefinition(spec *agentapi.TaskSpec) []ecstypes.ContainerDefinition {
	defs := slices.Clone(spec.Definition.ContainerDefinitions)
	if spec.Overrides == nil {
		return defs
	}
	for _, o := range spec.Overrides.ContainerOverrides {
		i := slices.IndexFunc(defs, func(d ecstypes.ContainerDefinition) bool { return d.Name == o.Name })
		if i < 0 {
			continue
		}
		d := &defs[i]
		if o.Command != nil {
			d.Command = o.Command
		}
		if o.Environment != nil {
			env := slices.Clone(d.Environment)
			for _, kv := range o.Environment {
				j := slices.IndexFunc(env, func(e ecstypes.KeyValuePair) bool { return e.Name == kv.Name })
				if j >= 0 {
					env[j] = kv
				} else {
					env = append(env, kv)
				}
			}
			d.Environment = env
		}
		if o.Cpu != nil {
			d.Cpu = *o.Cpu
		}
		if o.Memory != nil {
			d.Memory = o.Memory
		}
		if o.MemoryReservation != nil {
			d.MemoryReservation = o.MemoryReservation
		}
	}
	return defs
}

// essential reports a container's essential flag (default true).
func essential(d *ecstypes.ContainerDefinition) bool { return d.Essential == nil || *d.Essential }

// stopTimeout is the grace between SIGTERM and SIGKILL: the container's
// stopTimeout, default 30 s, at most 120 s (Fargate's limits).
func stopTimeoutSeconds(d *ecstypes.ContainerDefinition) int {
	if d.StopTimeout == nil {
		return 30
	}
	return min(max(int(*d.StopTimeout), 0), 120)
}

// buildSpec turns a container definition into the runtime's spec.
func (r *Runner) buildSpec(d *ecstypes.ContainerDefinition, img runtime.Image, defs []ecstypes.ContainerDefinition, rootfs string, tn TaskNetwork) (runtime.ContainerSpec, error) {
	spec := r.spec
	cs := runtime.ContainerSpec{
		ID:    ContainerID(spec.TaskID, d.Name),
		Image: img.Name,
		Labels: map[string]string{
			LabelTask: spec.TaskARN, LabelTaskID: spec.TaskID, LabelContainer: d.Name, LabelNode: r.hooks.NodeID,
		},
		Args:           runtime.ResolveArgs(img.Config, d.EntryPoint, d.Command),
		Env:            containerEnv(img.Config.Env, r.platformEnv(d.Name), d),
		Cwd:            cmp.Or(d.WorkingDirectory, img.Config.WorkingDir),
		User:           cmp.Or(d.User, img.Config.User),
		CgroupsPath:    r.hooks.Cgroups.Path(spec.TaskID, d.Name),
		ReadonlyRootfs: d.ReadonlyRootFilesystem != nil && *d.ReadonlyRootFilesystem,
		Rootfs:         rootfs,
		NetNSPath:      tn.NetnsPath,
		Hostname:       tn.Hostname,
		StdoutPath:     r.outputPath(d.Name, "stdout"),
		StderrPath:     r.outputPath(d.Name, "stderr"),
	}
	if len(cs.Args) == 0 {
		return cs, fmt.Errorf("container %s: no command: the image has no entrypoint or cmd and the definition gives none", d.Name)
	}
	if d.Cpu > 0 {
		cs.CPUShares = uint64(d.Cpu)
	}
	if lp := d.LinuxParameters; lp != nil && lp.InitProcessEnabled != nil && *lp.InitProcessEnabled {
		cs.Init = true
	}
	if d.Memory != nil {
		cs.MemoryLimit = int64(*d.Memory) << 20
	}
	if d.MemoryReservation != nil {
		cs.MemoryReservation = int64(*d.MemoryReservation) << 20
	}
	for _, u := range d.Ulimits {
		cs.Ulimits = append(cs.Ulimits, runtime.Ulimit{Name: u.Name, Soft: int64(u.SoftLimit), Hard: int64(u.HardLimit)})
	}
	mounts, err := r.mounts(d, defs, rootfs)
	if err != nil {
		return cs, err
	}
	for _, f := range []struct{ src, dst string }{{tn.ResolvConf, "/etc/resolv.conf"}, {tn.Hosts, "/etc/hosts"}} {
		if f.src != "" {
			mounts = append(mounts, runtime.Mount{Source: f.src, Destination: f.dst})
		}
	}
	cs.Mounts = mounts
	return cs, nil
}

// outputPath is the file a container's stdout or stderr goes to.
func (r *Runner) outputPath(container, stream string) string {
	return filepath.Join(r.logDir(), container+"."+stream+".log")
}

func (r *Runner) platformEnv(container string) []string {
	if r.hooks.Env == nil {
		return nil
	}
	return r.hooks.Env(&r.spec, container)
}

// containerEnv is the image's environment overlaid with the platform's
// variables, then the definition's.
func containerEnv(imageEnv, platform []string, d *ecstypes.ContainerDefinition) []string {
	env := slices.Clone(imageEnv)
	set := func(k, v string) {
		i := slices.IndexFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		if i >= 0 {
			env[i] = k + "=" + v
		} else {
			env = append(env, k+"="+v)
		}
	}
	for _, kv := range platform {
		k, v, _ := strings.Cut(kv, "=")
		set(k, v)
	}
	for _, kv := range d.Environment {
		set(kv.Name, kv.Value)
	}
	if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "PATH=") }) {
		set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	return env
}

// mounts resolves a container's mountPoints and volumesFrom to bind mounts
// of the task's volumes, which live on its ephemeral storage.
func (r *Runner) mounts(d *ecstypes.ContainerDefinition, defs []ecstypes.ContainerDefinition, rootfs string) ([]runtime.Mount, error) {
	var out []runtime.Mount
	add := func(mps []ecstypes.MountPoint, forceRO bool) error {
		for _, mp := range mps {
			src, err := r.hooks.Storage.VolumePath(r.spec.TaskID, mp.SourceVolume)
			if err != nil {
				return fmt.Errorf("volume %s: %w", mp.SourceVolume, err)
			}
			ro := forceRO || mp.ReadOnly != nil && *mp.ReadOnly
			if rootfs != "" {
				adoptImageDirOwnership(src, filepath.Join(rootfs, mp.ContainerPath))
			}
			out = append(out, runtime.Mount{Source: src, Destination: mp.ContainerPath, ReadOnly: ro})
		}
		return nil
	}
	if err := add(d.MountPoints, false); err != nil {
		return nil, err
	}
	for _, vf := range d.VolumesFrom {
		i := slices.IndexFunc(defs, func(o ecstypes.ContainerDefinition) bool { return o.Name == vf.SourceContainer })
		if i < 0 {
			continue
		}
		if err := add(defs[i].MountPoints, vf.ReadOnly != nil && *vf.ReadOnly); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// adoptImageDirOwnership gives a new, empty volume the mode and owner of the
// directory the image has where it is mounted, as Docker does for an empty
// volume, so that a non-root user can write to a volume mounted over, say,
// /tmp or its home.
func adoptImageDirOwnership(volume, imageDir string) {
	entries, err := os.ReadDir(volume)
	if err != nil || len(entries) > 0 {
		return
	}
	fi, err := os.Stat(imageDir)
	if err != nil || !fi.IsDir() {
		return
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		_ = os.Chown(volume, int(st.Uid), int(st.Gid))
	}
	_ = os.Chmod(volume, fi.Mode().Perm()|fi.Mode()&(os.ModeSticky|os.ModeSetgid|os.ModeSetuid))
}

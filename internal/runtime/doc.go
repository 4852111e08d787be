// Package runtime runs ECS containers on containerd and runc.
//
// One ECS container is one containerd container plus its task, all in one
// containerd namespace (Config.Namespace), so several berth servers can share
// a containerd. The package:
//
//   - connects to a containerd, or starts and supervises one of its own with a
//     generated config under Config.StateDir (daemon.go);
//   - imports image archives (OCI layout or docker save) and pulls from
//     registries, unpacking into the overlayfs snapshotter (images.go,
//     pull.go);
//   - turns a ContainerSpec into an OCI runtime spec (spec.go) and creates,
//     starts, waits for, signals, execs in and deletes containers
//     (containers.go, wait.go, exec.go).
//
// Containers outlive the Runtime: their containerd-shim-runc-v2 processes keep
// running when berth or its containerd stops, stdout and stderr keep flowing
// into the log files the shim holds, and a later Open re-attaches to them by
// id (List, Wait, Signal, Delete work on containers created before).
//
// Errors carry kinds: ErrNotFound, ErrImageNotFound (errors.Is), and
// *PullError for anything a pull reports, from which the caller builds ECS's
// "CannotPullContainerError: …" reason.
package runtime

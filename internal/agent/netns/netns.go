// Package netns gives each task its own network namespace, pinned at
// /var/run/netns/berth-<task id> as iproute2 pins them (so `ip netns exec`
// works on it), with only the loopback interface up. The awsvpc issue adds
// the task's ENI (veth into the subnet's bridge) to the same namespace.
//
// Namespaces are made in process (internal/network/namespace) rather than
// by running ip(8): task start-up is CPU-bound and every fork and exec
// counts.
package netns

import (
	"context"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/network/namespace"
)

// Prefix starts the name of every namespace berth makes.
const Prefix = "berth-"

// Isolated makes namespaces with loopback only.
type Isolated struct{}

// Name is the namespace of a task.
func Name(taskID string) string { return Prefix + taskID }

// Path is where the namespace is pinned.
func Path(taskID string) string { return namespace.Path(Name(taskID)) }

// Setup creates the task's namespace (idempotent) and brings lo up.
func (Isolated) Setup(ctx context.Context, taskID string) (string, error) {
	path := Path(taskID)
	if namespace.Pinned(path) {
		return path, nil
	}
	if err := namespace.Create(path, loopbackUp); err != nil {
		return "", fmt.Errorf("netns %s: %w", Name(taskID), err)
	}
	return path, nil
}

// loopbackUp sets lo up in the calling thread's namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	return nil
}

// Teardown deletes the task's namespace; a missing one is not an error.
// The kernel frees it once nothing else holds it.
func (Isolated) Teardown(ctx context.Context, taskID string) error {
	if err := namespace.Unpin(Path(taskID)); err != nil {
		return fmt.Errorf("netns %s: %w", Name(taskID), err)
	}
	return nil
}

// List returns the task ids that have a namespace on this host.
func List() ([]string, error) {
	entries, err := os.ReadDir(namespace.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutPrefix(e.Name(), Prefix); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

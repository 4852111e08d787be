// Package netns gives each task its own network namespace, pinned at
// /var/run/netns/berth-<task id> as iproute2 pins them (so `ip netns exec`
// works on it), with only the loopback interface up. The awsvpc issue adds
// the task's ENI (veth into the subnet's bridge) to the same namespace.
//
// Namespaces are made in process (unshare on a locked thread, bind-mount,
// setns back) rather than by running ip(8): task start-up is CPU-bound and
// every fork and exec counts.
package netns

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Prefix starts the name of every namespace berth makes.
const Prefix = "berth-"

const dir = "/var/run/netns"

// Isolated makes namespaces with loopback only.
type Isolated struct{}

// Name is the namespace of a task.
func Name(taskID string) string { return Prefix + taskID }

// Path is where the namespace is pinned.
func Path(taskID string) string { return filepath.Join(dir, Name(taskID)) }

// Setup creates the task's namespace (idempotent) and brings lo up.
func (Isolated) Setup(ctx context.Context, taskID string) (string, error) {
	path := Path(taskID)
	if pinned(path) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := create(path); err != nil {
		_ = unpin(path)
		return "", fmt.Errorf("netns %s: %w", Name(taskID), err)
	}
	return path, nil
}

// create makes a namespace on a locked thread, pins it at path, brings its
// loopback up and returns the thread to the host's namespace. If the thread
// can't go back it stays locked, so the runtime retires it.
func create(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return err
	}
	f.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		host, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer host.Close()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("unshare: %w", err)
			return
		}
		err = unix.Mount(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), path, "", unix.MS_BIND, "")
		if err == nil {
			err = loopbackUp()
		}
		if serr := unix.Setns(int(host.Fd()), unix.CLONE_NEWNET); serr != nil {
			errc <- errors.Join(err, fmt.Errorf("returning to the host namespace: %w", serr))
			return // the thread stays locked and dies with this goroutine
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	return <-errc
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

// pinned reports whether path has a namespace mounted on it.
func pinned(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.NSFS_MAGIC
}

// unpin unmounts and removes a namespace's pin; missing is not an error.
func unpin(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return err
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// Teardown deletes the task's namespace; a missing one is not an error.
// The kernel frees it once nothing else holds it.
func (Isolated) Teardown(ctx context.Context, taskID string) error {
	if err := unpin(Path(taskID)); err != nil {
		return fmt.Errorf("netns %s: %w", Name(taskID), err)
	}
	return nil
}

// List returns the task ids that have a namespace on this host.
func List() ([]string, error) {
	entries, err := os.ReadDir(dir)
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

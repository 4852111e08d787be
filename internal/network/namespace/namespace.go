// Package namespace makes, pins, enters and removes network namespaces, as
// iproute2 does (pins under /var/run/netns, so `ip netns exec` works), in
// process: a goroutine locked to its OS thread unshares or enters, and
// goes back; a thread that can't go back is never reused.
package namespace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// Dir is where namespaces are pinned, as iproute2 pins them.
const Dir = "/var/run/netns"

// Path is where the namespace name is pinned.
func Path(name string) string { return filepath.Join(Dir, name) }

// Create makes a new network namespace, pins it at path and, if inside is
// not nil, runs it in the namespace (on the same locked thread: one trip
// for both). A file at path with no namespace mounted on it (left by a
// crash between the steps) is replaced; on failure nothing is left.
func Create(path string, inside func() error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := Unpin(path); err != nil {
		return fmt.Errorf("remove stale pin: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return err
	}
	f.Close()
	err = onLockedThread(
		func() error { return unix.Unshare(unix.CLONE_NEWNET) },
		func() error {
			if err := unix.Mount("/proc/thread-self/ns/net", path, "", unix.MS_BIND, ""); err != nil {
				return err
			}
			if inside != nil {
				return inside()
			}
			return nil
		})
	if err != nil {
		_ = Unpin(path)
		return err
	}
	return nil
}

// Do runs fn on a locked OS thread that is in the namespace nsFd, and
// then returns that thread to its own namespace. fn must not start
// goroutines that rely on the namespace (they run on other threads).
func Do(nsFd int, fn func() error) error {
	return onLockedThread(func() error { return unix.Setns(nsFd, unix.CLONE_NEWNET) }, fn)
}

// onLockedThread runs enter (which moves the calling thread into another
// network namespace) and fn on a goroutine locked to its OS thread, then
// moves the thread back. If it cannot go back, the goroutine exits with the
// thread still locked, so the runtime discards the thread instead of
// running other goroutines in the wrong namespace.
func onLockedThread(enter, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open own namespace: %w", err)
			return
		}
		defer self.Close()
		if err := enter(); err != nil {
			// enter failed before changing anything (setns and unshare
			// are all or nothing), but go back anyway to be sure.
			if serr := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); serr != nil {
				errc <- errors.Join(err, fmt.Errorf("returning to the host namespace: %w", serr))
				return
			}
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter namespace: %w", err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("returning to the host namespace: %w", err))
			return // the thread stays locked and dies with this goroutine
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Pinned reports whether path has a namespace mounted on it.
func Pinned(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.NSFS_MAGIC
}

// Unpin unmounts and removes a namespace's pin; missing is not an error.
// The kernel frees the namespace once nothing else holds it.
func Unpin(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

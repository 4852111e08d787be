package bridge

import (
	"errors"
	"fmt"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// ErrClosed is returned by the methods of an NS after Close.
var ErrClosed = errors.New("bridge: namespace handle closed")

// NS is the network namespace that holds subnet bridges and the host ends of
// ENIs: a VPC's router namespace, or the caller's own one. Every change goes
// through a netlink socket opened inside that namespace, so no goroutine runs
// in it. An NS is safe for concurrent use; Close it when done.
type NS struct {
	path string

	mu sync.RWMutex // held for reading by operations, for writing by Close
	h  *netlink.Handle
}

// Open returns a handle on the namespace pinned at path ("" is the calling
// process's namespace, i.e. the host's). The namespace itself is neither
// created nor changed.
func Open(path string) (*NS, error) {
	var (
		h   *netlink.Handle
		err error
	)
	if path == "" {
		h, err = netlink.NewHandle(unix.NETLINK_ROUTE)
	} else {
		var ns netns.NsHandle
		ns, err = netns.GetFromPath(path)
		if err != nil {
			return nil, fmt.Errorf("bridge: namespace %s: %w", path, err)
		}
		// Only the route family: a Handle sends requests of any other family
		// through a socket of the caller's namespace.
		h, err = netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
		ns.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("bridge: netlink in namespace %q: %w", path, err)
	}
	return &NS{path: path, h: h}, nil
}

// Path is the namespace's pin as given to Open ("" for the caller's own).
func (n *NS) Path() string { return n.path }

// Close releases the netlink socket. It is safe to call twice; the
// namespace and everything in it are left as they are.
func (n *NS) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.h != nil {
		n.h.Close()
		n.h = nil
	}
	return nil
}

// handle returns the netlink handle with the read lock held; release it
// with n.mu.RUnlock. A closed NS must never fall through to netlink's
// package-level functions, which act on the caller's namespace.
func (n *NS) handle() (*netlink.Handle, error) {
	n.mu.RLock()
	if n.h == nil {
		n.mu.RUnlock()
		return nil, ErrClosed
	}
	return n.h, nil
}

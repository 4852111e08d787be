package router

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DialTCP opens a TCP connection from src, an address of the router (an
// endpoint), to dst, as a socket of the router namespace: the peer sees
// src, and the router's routes and bridges carry it. Only making the socket
// and binding it happen inside the namespace; the connection itself is
// waited for on the runtime's poller, so a slow peer holds up nothing else.
func (r *Router) DialTCP(ctx context.Context, src netip.Addr, dst netip.AddrPort) (net.Conn, error) {
	if !src.Is4() || !dst.Addr().Is4() {
		return nil, fmt.Errorf("router %s: dial %s → %s: IPv4 only", r.cfg.Name, src, dst)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fd := -1
	err := r.do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
		if err != nil {
			return err
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: src.As4()}); err != nil {
			unix.Close(fd)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("router %s: socket from %s: %w", r.cfg.Name, src, err)
	}
	err = unix.Connect(fd, &unix.SockaddrInet4{Addr: dst.Addr().As4(), Port: int(dst.Port())})
	if err != nil && !errors.Is(err, unix.EINPROGRESS) {
		unix.Close(fd)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(dst), Err: os.NewSyscallError("connect", err)}
	}
	f := os.NewFile(uintptr(fd), "tcp")
	c, err := net.FileConn(f) // a dup, registered with the poller
	f.Close()
	if err != nil {
		return nil, err
	}
	if err := awaitConnect(ctx, c.(*net.TCPConn)); err != nil {
		c.Close()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(dst), Err: err}
	}
	return c, nil
}

// awaitConnect waits until a non-blocking connect completes (the socket
// turns writable) or ctx ends, and returns the connect's outcome.
func awaitConnect(ctx context.Context, c *net.TCPConn) error {
	if d, ok := ctx.Deadline(); ok {
		_ = c.SetWriteDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	// Write's callback runs first at once and then each time the socket
	// turns writable: it must itself tell a finished connect (connected,
	// or SO_ERROR set) from one still in progress. (Waiting once before
	// looking could miss a connect that finished before the wait began:
	// the poller only reports the change.)
	var soErr error
	werr := rc.Write(func(fd uintptr) bool {
		v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case err != nil:
			soErr = os.NewSyscallError("getsockopt", err)
			return true
		case v != 0:
			soErr = os.NewSyscallError("connect", syscall.Errno(v))
			return true
		}
		_, err = unix.Getpeername(int(fd))
		return err == nil // connected; ENOTCONN: still connecting
	})
	if werr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return werr
	}
	if soErr != nil {
		return soErr
	}
	return c.SetWriteDeadline(time.Time{})
}

package router

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// Listen opens a TCP listener inside the router namespace, e.g. on an
// endpoint address ("169.254.170.2:80"), that the VPC's tasks reach through
// their gateway; accepted connections show the task's own address. network
// is "tcp", "tcp4" or "tcp6"; address is host:port with a literal IP (or an
// empty host) and a numeric port, as no name is resolved inside the
// namespace. The socket stays in the router namespace; the listener is used
// from any goroutine and outlives Close.
func (r *Router) Listen(network, address string) (net.Listener, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("router %s: listen: network %q is not tcp", r.cfg.Name, network)
	}
	ap, err := literalAddr(address)
	if err != nil {
		return nil, fmt.Errorf("router %s: listen: %w", r.cfg.Name, err)
	}
	var l net.Listener
	err = r.do(func() error {
		var err error
		l, err = net.ListenTCP(network, net.TCPAddrFromAddrPort(ap))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("router %s: listen %s %s: %w", r.cfg.Name, network, address, err)
	}
	return l, nil
}

// ListenPacket opens a UDP socket inside the router namespace, as Listen
// does for TCP. network is "udp", "udp4" or "udp6".
func (r *Router) ListenPacket(network, address string) (net.PacketConn, error) {
	switch network {
	case "udp", "udp4", "udp6":
	default:
		return nil, fmt.Errorf("router %s: listen packet: network %q is not udp", r.cfg.Name, network)
	}
	ap, err := literalAddr(address)
	if err != nil {
		return nil, fmt.Errorf("router %s: listen packet: %w", r.cfg.Name, err)
	}
	var c net.PacketConn
	err = r.do(func() error {
		var err error
		c, err = net.ListenUDP(network, net.UDPAddrFromAddrPort(ap))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("router %s: listen packet %s %s: %w", r.cfg.Name, network, address, err)
	}
	return c, nil
}

// literalAddr parses host:port with a literal IP or an empty host (any
// address) and a numeric port, so that nothing is resolved (name lookups
// may run on other threads, outside the namespace).
func literalAddr(address string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port %q is not a number", port)
	}
	if host == "" {
		return netip.AddrPortFrom(netip.Addr{}, uint16(p)), nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("host %q is not a literal IP address", host)
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}

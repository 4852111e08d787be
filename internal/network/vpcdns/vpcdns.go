// Package vpcdns is a VPC's resolver, as 169.254.169.253 is on AWS: it
// answers the private names of the VPC's addresses
// (ip-10-0-1-5.<region>.compute.internal, and their reverse) and forwards
// every other question to the host's resolvers. One Server serves one VPC;
// the agent listens for it inside the VPC's router namespace.
package vpcdns

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// TTL of the answers the resolver makes itself.
const TTL = 60

// Server answers one VPC's questions.
type Server struct {
	Region    string
	CIDRs     []netip.Prefix // the VPC's blocks
	Upstreams []string       // host:port of the resolvers other names go to
	Timeout   time.Duration  // per upstream exchange; 0 means 2 s
	// Names, when set, answers names the VPC has besides its private ones
	// (its load balancers' DNS names): their IPv4 addresses, none when the
	// name is not one of them. The name comes lowercase, without the final
	// dot. It must be safe for concurrent use.
	Names func(name string) []netip.Addr
}

// Domain is a region's private domain: <region>.compute.internal.
func Domain(region string) string { return region + ".compute.internal" }

// zone is the VPC's private domain, with the final dot.
func (s *Server) zone() string { return Domain(s.Region) + "." }

// inVPC reports whether a is one of the VPC's addresses.
func (s *Server) inVPC(a netip.Addr) bool {
	for _, p := range s.CIDRs {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Name returns an address's private name (without the final dot).
func Name(a netip.Addr, region string) string {
	return "ip-" + strings.ReplaceAll(a.String(), ".", "-") + "." + Domain(region)
}

// addrOf parses ip-a-b-c-d.<zone>.
func (s *Server) addrOf(qname string) (netip.Addr, bool) {
	host, ok := strings.CutSuffix(strings.ToLower(qname), "."+s.zone())
	if !ok {
		return netip.Addr{}, false
	}
	host, ok = strings.CutPrefix(host, "ip-")
	if !ok {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(strings.ReplaceAll(host, "-", "."))
	return a, err == nil && a.Is4()
}

// reverseOf parses d.c.b.a.in-addr.arpa.
func reverseOf(qname string) (netip.Addr, bool) {
	rest, ok := strings.CutSuffix(strings.ToLower(qname), ".in-addr.arpa.")
	if !ok {
		return netip.Addr{}, false
	}
	p := strings.Split(rest, ".")
	if len(p) != 4 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(p[3] + "." + p[2] + "." + p[1] + "." + p[0])
	return a, err == nil
}

// ServeDNS answers one question.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		reply(w, new(dns.Msg).SetRcode(req, dns.RcodeFormatError))
		return
	}
	q := req.Question[0]
	m := new(dns.Msg).SetReply(req)
	m.Authoritative, m.RecursionAvailable = true, true
	hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: TTL}
	switch a, ok := s.addrOf(q.Name); {
	case ok && s.inVPC(a):
		if q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY {
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: a.AsSlice()})
		}
		reply(w, m) // NOERROR, and no data for other types
		return
	case strings.HasSuffix(strings.ToLower(q.Name), "."+s.zone()) || strings.EqualFold(q.Name, s.zone()):
		reply(w, m.SetRcode(req, dns.RcodeNameError))
		return
	}
	if s.Names != nil {
		if addrs := s.Names(strings.TrimSuffix(strings.ToLower(q.Name), ".")); len(addrs) > 0 {
			if q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY {
				hdr.Rrtype = dns.TypeA
				for _, a := range addrs {
					m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: a.AsSlice()})
				}
			}
			reply(w, m)
			return
		}
	}
	if a, ok := reverseOf(q.Name); ok && s.inVPC(a) {
		if q.Qtype == dns.TypePTR || q.Qtype == dns.TypeANY {
			hdr.Rrtype = dns.TypePTR
			m.Answer = append(m.Answer, &dns.PTR{Hdr: hdr, Ptr: Name(a, s.Region) + "."})
		}
		reply(w, m)
		return
	}
	reply(w, s.forward(w, req))
}

// forward asks the upstreams in turn, over the transport the question
// came by; SERVFAIL when none answers.
func (s *Server) forward(w dns.ResponseWriter, req *dns.Msg) *dns.Msg {
	c := &dns.Client{Timeout: s.Timeout}
	if c.Timeout == 0 {
		c.Timeout = 2 * time.Second
	}
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		c.Net = "tcp"
	}
	for _, up := range s.Upstreams {
		if resp, _, err := c.Exchange(req, up); err == nil {
			return resp
		}
	}
	return new(dns.Msg).SetRcode(req, dns.RcodeServerFailure)
}

func reply(w dns.ResponseWriter, m *dns.Msg) { _ = w.WriteMsg(m) }

// Serve answers on pc (UDP) and l (TCP) until stop is called.
func Serve(h dns.Handler, pc net.PacketConn, l net.Listener) (stop func()) {
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: l, Handler: h}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	return func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	}
}

// HostResolvers returns the nameservers of a resolv.conf (host:53), for
// forwarding. A loopback one (systemd-resolved's 127.0.0.53) is kept: the
// forwarder asks from the host's namespace.
func HostResolvers(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "nameserver" {
			if a, err := netip.ParseAddr(fields[1]); err == nil {
				out = append(out, net.JoinHostPort(a.String(), "53"))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

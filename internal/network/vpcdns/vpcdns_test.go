package vpcdns

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// serve runs h on loopback UDP and TCP ports and returns the address.
func serve(t *testing.T, h dns.Handler) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	stop := Serve(h, pc, l)
	t.Cleanup(stop)
	return pc.LocalAddr().String()
}

func ask(t *testing.T, addr, net, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg).SetQuestion(name, qtype)
	c := &dns.Client{Net: net, Timeout: 3 * time.Second}
	var resp *dns.Msg
	var err error
	for range 20 { // the servers start in the background
		if resp, _, err = c.Exchange(m, addr); err == nil {
			return resp
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s %s: %v", net, name, err)
	return nil
}

func TestResolver(t *testing.T) {
	upstream := serve(t, dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg).SetReply(r)
		if r.Question[0].Name == "svc.example.test." {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 5}, A: net.IPv4(10, 9, 9, 9)})
		} else {
			m.SetRcode(r, dns.RcodeNameError)
		}
		_ = w.WriteMsg(m)
	}))
	s := &Server{Region: "eu-test-1", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}, Upstreams: []string{"127.0.0.1:1", upstream}, Timeout: 300 * time.Millisecond,
		Names: func(name string) []netip.Addr {
			if name == "web-1.eu-test-1.elb.localhost" {
				return []netip.Addr{netip.MustParseAddr("10.0.0.4"), netip.MustParseAddr("10.0.16.4")}
			}
			return nil
		}}
	addr := serve(t, s)
	// A load balancer's name: its addresses, whatever the case.
	if r := ask(t, addr, "udp", "Web-1.eu-test-1.elb.localhost.", dns.TypeA); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 2 {
		t.Fatalf("load balancer name: %v", r)
	}

	for _, transport := range []string{"udp", "tcp"} {
		r := ask(t, addr, transport, "ip-10-0-1-5.eu-test-1.compute.internal.", dns.TypeA)
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "10.0.1.5" {
			t.Fatalf("%s: own name: %v", transport, r)
		}
	}
	if r := ask(t, addr, "udp", "IP-10-0-1-5.EU-TEST-1.compute.internal.", dns.TypeAAAA); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Fatalf("AAAA of an own name: %v", r)
	}
	if r := ask(t, addr, "udp", "ip-10-1-0-5.eu-test-1.compute.internal.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Fatalf("an address outside the VPC: %v", r)
	}
	if r := ask(t, addr, "udp", "5.1.0.10.in-addr.arpa.", dns.TypePTR); len(r.Answer) != 1 || r.Answer[0].(*dns.PTR).Ptr != "ip-10-0-1-5.eu-test-1.compute.internal." {
		t.Fatalf("reverse: %v", r)
	}
	// The first upstream is dead; the second answers.
	if r := ask(t, addr, "udp", "svc.example.test.", dns.TypeA); len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "10.9.9.9" {
		t.Fatalf("forwarded: %v", r)
	}
	if r := ask(t, addr, "tcp", "nothing.example.test.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Fatalf("forwarded NXDOMAIN over TCP: %v", r)
	}
	dead := serve(t, &Server{Region: "eu-test-1", Upstreams: []string{"127.0.0.1:1"}, Timeout: 300 * time.Millisecond})
	if r := ask(t, dead, "udp", "svc.example.test.", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
		t.Fatalf("no upstream: %v", r)
	}
}

func TestHostResolvers(t *testing.T) {
	p := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(p, []byte("# x\nnameserver 127.0.0.53\nsearch a\nnameserver fd00::1\nnameserver bogus\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := HostResolvers(p)
	if err != nil || !slices.Equal(got, []string{"127.0.0.53:53", "[fd00::1]:53"}) {
		t.Fatalf("%v %v", got, err)
	}
}

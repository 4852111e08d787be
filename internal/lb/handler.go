package lb

import (
	"cmp"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// serveHTTP serves one request that arrived at key: host dispatch picks the
// load balancer, its listener's rules pick the action.
func (p *Plane) serveHTTP(key netip.AddrPort, w http.ResponseWriter, r *http.Request) {
	cands := p.snap.Load().routes[key]
	host := requestHost(r.Host)
	l := dispatch(cands, host)
	if l == nil {
		noLoadBalancer(w, key.Port(), host, cands)
		return
	}
	q := request{method: r.Method, host: host, path: r.URL.Path, client: clientAddr(r.RemoteAddr)}
	a := route(l.rules, l.dflt, &q)
	switch {
	case a.fixed != nil:
		writeFixed(w, a.fixed)
	case a.redirect != nil:
		writeRedirect(w, r, a.redirect, l.portStr, host)
	default:
		p.forward(w, r, l, a, q.client)
	}
}

// dispatch picks, among the listeners serving one address and port, the one
// whose load balancer's DNS name is host; failing that, the only one there
// is; failing that, none.
func dispatch(cands []*listener, host string) *listener {
	for _, l := range cands {
		if l.lb.dnsName != "" && l.lb.dnsName == host {
			return l
		}
	}
	if len(cands) == 1 {
		return cands[0]
	}
	return nil
}

// noLoadBalancer answers a request host dispatch could not place, saying
// which names are served on the port.
func noLoadBalancer(w http.ResponseWriter, port uint16, host string, cands []*listener) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(cands) == 0 {
		// The listener is closing: this address no longer serves anything.
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "No load balancer listens on port %d here any more.\n", port)
		return
	}
	names := make([]string, 0, len(cands))
	for _, l := range cands {
		names = append(names, cmp.Or(l.lb.dnsName, l.lb.arn))
	}
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "No load balancer named %q listens on port %d. Load balancers listening on port %d: %s.\n",
		host, port, port, strings.Join(names, ", "))
}

// requestHost is the host of a Host header: without its port or a final
// dot, in lower case. An IPv6 literal keeps its brackets.
func requestHost(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	return strings.ToLower(h)
}

// clientAddr is the address of a request's peer (never X-Forwarded-For).
func clientAddr(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

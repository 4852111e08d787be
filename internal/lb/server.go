package lb

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// server is the HTTP server of one (address, port).
type server struct {
	key  netip.AddrPort // the address it serves (as configured, not as bound)
	host bool           // a host dispatch address
	ln   net.Listener
	srv  *http.Server
}

// maxHeaderBytes bounds a request's header, near ALB's 64 KB limit.
const maxHeaderBytes = 64 << 10

// bind opens the listener of key; the server does not serve until start.
func (p *Plane) bind(key netip.AddrPort, host bool, idle time.Duration) (*server, error) {
	listen := p.net.Listen
	if host {
		listen = p.hostListen
	}
	ln, err := listen(key)
	if err != nil {
		return nil, err
	}
	s := &server{key: key, host: host, ln: ln}
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.serveHTTP(key, w, r) }),
		ReadHeaderTimeout: idle,
		IdleTimeout:       idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(p.log.Handler(), slog.LevelDebug),
	}
	return s, nil
}

// start serves s in the background.
func (p *Plane) start(s *server) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Warn("load balancer listener stopped", "addr", s.key.String(), "err", err)
		}
	}()
}

// stop shuts s down gracefully in the background: it stops accepting,
// closes idle connections and lets requests in flight finish, for up to
// grace (or until the plane closes), then closes what is left.
func (p *Plane) stop(s *server, grace time.Duration) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		ctx, cancel := context.WithTimeout(p.ctx, grace)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
		}
	}()
}
